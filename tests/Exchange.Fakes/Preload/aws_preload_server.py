"""The aws CLI with its start-up paid once: a test-world speed-up, not a stand-in.

Every `aws` call of a test is the machine's own aws CLI script, run from the start in a process
forked from this one, which has already imported awscli and botocore and keeps the botocore data
files (service models, endpoints) it has read as text. The child re-parses that text exactly as
botocore's loader does, so a call gets fresh objects built from the same files. What the imports and
file reads cost (about two thirds of a call here) is paid once per test session.

    python3 aws_preload_server.py SOCKET AWS_SCRIPT

The client (aws_preload_client.py) sends its arguments, environment and working directory and
passes its stdin, stdout and stderr; the child runs the script with them and the client exits with
the child's exit code. A signal the client receives is forwarded; a client that dies takes its
child with it. Prints "ready <python> <pid>" on stdout once it listens.
"""
import collections
import gzip
import importlib
import json
import os
import runpy
import selectors
import signal
import socket
import struct
import sys

import awscli
import awscli.clidriver  # noqa: F401  (the point: imported once, before any fork)
import botocore.loaders

_TEXT = {}  # data file path -> its text, read once
_MISSED = []  # in a child: the data files it had to read itself (the parent reads them next)
_loader_logger = botocore.loaders.logger


def _load_file(self, full_path, open_method):
    """botocore's JSONFileLoader._load_file, reading each file's text once per session."""
    payload = _TEXT.get(full_path)
    if payload is None:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, 'rb') as fp:
            payload = fp.read().decode('utf-8')
        _TEXT[full_path] = payload
        _MISSED.append(full_path)
    _loader_logger.debug("Loading JSON file: %s", full_path)
    return json.loads(payload, object_pairs_hook=collections.OrderedDict)


botocore.loaders.JSONFileLoader._load_file = _load_file


def _learn(report):
    """Reads the files and imports the modules a child needed that this process did not have yet."""
    for path in report.get('files', []):
        if path in _TEXT:
            continue
        opener = gzip.open if path.endswith('.gz') else open
        try:
            with opener(path, 'rb') as fp:
                _TEXT[path] = fp.read().decode('utf-8')
        except OSError:
            pass
    for name in report.get('modules', []):
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:  # a module only importable in the child's context: it stays lazy
                pass


def _receive(conn):
    """One request: a 4-byte length, then JSON {argv, env, cwd}; the client's fds 0, 1, 2 ride along."""
    data, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    while len(data) < 4 or len(data) < 4 + struct.unpack('>I', data[:4])[0]:
        more = conn.recv(65536)
        if not more:
            raise ConnectionError('the client went away mid-request')
        data += more
    (length,) = struct.unpack('>I', data[:4])
    return json.loads(data[4:4 + length]), fds


def _std_stream(fd, mode):
    stream = open(fd, mode, buffering=-1 if 'r' in mode else 1 if os.isatty(fd) else -1, encoding='utf-8',
                  errors='backslashreplace' if fd == 2 else 'strict', closefd=False)
    return stream


def _child(request, fds, report_fd, script):
    """Runs the aws script as `aws ARGS` would, in the client's environment, directory and streams."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    keep = sorted({0, 1, 2, report_fd})
    for low, high in zip(keep, keep[1:] + [os.sysconf('SC_OPEN_MAX')]):
        os.closerange(low + 1, high)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(request['cwd'])
    os.environ.clear()
    os.environ.update(request['env'])
    importlib.reload(awscli)  # its import puts awscli's data folder on AWS_DATA_PATH: do that in this environment
    sys.stdin, sys.stdout, sys.stderr = _std_stream(0, 'r'), _std_stream(1, 'w'), _std_stream(2, 'w')
    sys.argv = [script] + request['argv']
    modules = set(sys.modules)
    code = 0
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as ended:
        code = ended.code
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # what the interpreter would print for an uncaught exception
        import traceback
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        os.write(report_fd, json.dumps({'files': _MISSED, 'modules': sorted(set(sys.modules) - modules)}).encode())
    except OSError:
        pass
    os._exit(code & 0xFF)


class _Job:
    def __init__(self, conn, pid, pidfd, report):
        self.conn, self.pid, self.pidfd, self.report = conn, pid, pidfd, report


def serve(path, script):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)
    listener.bind(path)
    listener.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', sys.executable, os.getpid(), flush=True)

    while True:
        for key, _ in selector.select():
            if key.data is None:
                conn, _ = listener.accept()
                try:
                    conn.settimeout(10)
                    request, fds = _receive(conn)
                    conn.settimeout(None)
                except (OSError, ValueError, ConnectionError) as failed:
                    print('preload: bad request:', failed, file=sys.stderr, flush=True)
                    conn.close()
                    continue
                read_end, write_end = os.pipe()
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    os.close(read_end)
                    _child(request, fds, write_end, script)
                os.close(write_end)
                for fd in fds:
                    os.close(fd)
                job = _Job(conn, pid, os.pidfd_open(pid), read_end)
                selector.register(conn, selectors.EVENT_READ, ('client', job))
                selector.register(job.pidfd, selectors.EVENT_READ, ('exited', job))
            elif key.data[0] == 'client':
                job = key.data[1]
                try:
                    signals = job.conn.recv(16)
                except OSError:
                    signals = b''
                if not signals:  # the client died (SIGKILL, a timeout): its child goes too
                    selector.unregister(job.conn)
                    _kill(job.pid, signal.SIGKILL)
                else:
                    for number in signals:
                        _kill(job.pid, number)
            else:
                job = key.data[1]
                selector.unregister(job.pidfd)
                _, status = os.waitpid(job.pid, 0)
                report = b''
                while chunk := os.read(job.report, 65536):
                    report += chunk
                os.close(job.report)
                os.close(job.pidfd)
                reply = {'signal': os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {'exit': os.WEXITSTATUS(status)}
                try:
                    selector.unregister(job.conn)
                except (KeyError, ValueError):
                    pass
                try:
                    job.conn.sendall(json.dumps(reply).encode() + b'\n')
                except OSError:
                    pass
                job.conn.close()
                try:
                    _learn(json.loads(report or b'{}'))
                except ValueError:
                    pass


def _kill(pid, number):
    try:
        os.kill(pid, number)
    except (ProcessLookupError, ValueError, OSError):
        pass


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: aws_preload_server.py SOCKET AWS_SCRIPT')
    serve(sys.argv[1], sys.argv[2])
