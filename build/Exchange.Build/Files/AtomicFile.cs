namespace Exchange.Build.Files;

/// <summary>
/// Writes artefacts all-or-nothing: the text goes to a temporary file beside the target, which is
/// then renamed over it. An interrupted run leaves the old file or the new one, never half of one.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents) =>
        Write(path, temporary =>
        {
            File.WriteAllText(temporary, contents);
            return true;
        });

    /// <summary>
    /// For a file another program writes (<c>cdk deploy --outputs-file</c>): <paramref name="write"/> gets a temporary
    /// path beside <paramref name="path"/> (same folder, so the rename cannot cross file systems). Only when it returns
    /// normally and wrote that file is it renamed over <paramref name="path"/>; when it throws (the command failed or
    /// was interrupted) the temporary file is deleted, whatever it holds, and <paramref name="path"/> is left as it was.
    /// </summary>
    public static T Write<T>(string path, Func<string, T> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            var result = write(temporary);
            if (!File.Exists(temporary))
                throw new FileNotFoundException($"Nothing was written to {temporary}, so {full} was left as it was.", temporary);
            File.Move(temporary, full, overwrite: true);
            return result;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
