namespace Mvm.EngineHarness.Secrets;

/// <summary>
/// Files only their owner may read (0600), in directories only their owner may enter (0700 when created here):
/// state and keys. Written atomically — a temp file created 0600 from the start, then renamed — so neither an
/// interrupted run nor another user ever sees a partial or readable copy.
/// </summary>
public static class PrivateFile
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void WriteAllText(string path, string text)
    {
        // Modes are what keep secrets private here; the harness (like the plugin it drives) runs on Linux.
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("private files need POSIX file modes");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir))
            Directory.CreateDirectory(dir, DirectoryMode);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, UnixCreateMode = FileMode };
        try
        {
            using (var writer = new StreamWriter(temp, System.Text.Encoding.UTF8, options))
                writer.Write(text);
            // A temp file left by a crashed run could exist with other modes; Create keeps its mode, so set it.
            File.SetUnixFileMode(temp, FileMode);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Creates the file (atomically, 0600) only if it does not exist yet; false when another run created it first.</summary>
    public static bool TryCreateNew(string path, string text)
    {
        var temp = $"{path}.{Environment.ProcessId}.new";
        WriteAllText(temp, text);
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }
}
