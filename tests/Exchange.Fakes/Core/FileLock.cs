namespace Exchange.Fakes.Core;

/// <summary>
/// An exclusive lock between processes: a file opened with FileShare.None (on Unix .NET backs this
/// with flock), retried until the holder lets go.
/// </summary>
public sealed class FileLock : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly FileStream stream;

    private FileLock(FileStream stream) => this.stream = stream;

    public FileStream Stream => stream;

    public static FileLock Acquire(string path, FileMode mode = FileMode.OpenOrCreate)
    {
        var deadline = DateTime.UtcNow + Patience;
        var delay = 5;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 100);
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
