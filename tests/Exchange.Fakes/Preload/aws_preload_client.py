"""`aws ARGS` through the preload server (aws_preload_server.py): the same aws CLI, its start-up paid once.

    python3 -I -S aws_preload_client.py SOCKET REAL_AWS ARGS...

Sends ARGS, the environment and the working directory with this process's stdin, stdout and stderr,
forwards SIGINT, SIGTERM and SIGHUP, and exits as the aws process did. When no server answers, it
becomes REAL_AWS itself, so a call never depends on the server being there.
"""
import json
import os
import signal
import socket
import struct
import sys


def main():
    path, real = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        os.execv(real, [real] + args)
    body = json.dumps({'argv': args, 'env': dict(os.environ), 'cwd': os.getcwd()}).encode()
    socket.send_fds(conn, [struct.pack('>I', len(body)) + body], [0, 1, 2])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda number, _: conn.send(bytes([number])))
    reply = b''
    while not reply.endswith(b'\n'):
        try:
            chunk = conn.recv(256)
        except InterruptedError:
            continue
        if not chunk:
            sys.stderr.write('aws (preloaded): the preload server went away\n')
            sys.exit(255)
        reply += chunk
    ended = json.loads(reply)
    if 'signal' in ended:
        signal.signal(ended['signal'], signal.SIG_DFL)
        os.kill(os.getpid(), ended['signal'])
    sys.exit(ended['exit'])


main()
