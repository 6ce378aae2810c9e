using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// The transport's own 0700 directory under the temp dir: private keys, known_hosts, ssh_config,
/// the askpass helper and ControlMaster sockets. Files are created 0600 from the first byte (never
/// written world-readable and then chmod-ed). Removed at dispose and at process exit; one left
/// by a crashed provider is removed by the next one.
/// </summary>
internal sealed class PrivateDirectory : IDisposable
{
    private const string Prefix = "mvm-ssh-";
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private int _disposed;

    private PrivateDirectory(string path) => Path = path;

    public string Path { get; }

    public static PrivateDirectory Create()
    {
        if (!IsUnix) throw new
            PlatformNotSupportedException("the SSH transport runs on Linux and other Unix systems only");
        var root = ChooseRoot();
        RemoveStale(root);
        for (var attempt = 0; ; attempt++)
        {
            // 96 random bits: nobody can pre-create (or symlink) the name before we do.
            var path = System.IO.Path.Combine(root,
                $"{Prefix}{Environment.ProcessId}-" +
                $"{Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant()}");
            if (Directory.Exists(path) || File.Exists(path))
            {
                if (attempt > 5) throw new IOException($"cannot create a private directory under {root}");
                continue;
            }
            var dir = Directory.CreateDirectory(path, DirMode);
            if (dir.LinkTarget is not null || File.GetUnixFileMode(path) != DirMode)
                throw new
                    IOException($"the private directory {path} is not a fresh 0700 directory; refusing to put keys " +
                    "in it");
            return new PrivateDirectory(path);
        }
    }

    public string CreateSubdirectory(string name)
    {
        if (!IsUnix) throw new
            PlatformNotSupportedException("the SSH transport runs on Linux and other Unix systems only");
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path, DirMode);
        return path;
    }

    /// <summary>Writes (or replaces) a file readable only by this user.</summary>
    public static string WriteFile(string path, string content, UnixFileMode mode = FileMode600)
    {
        if (!IsUnix) throw new
            PlatformNotSupportedException("the SSH transport runs on Linux and other Unix systems only");
        if (File.Exists(path)) File.Delete(path);
        using (var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = mode,
        }))
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            fs.Write(bytes);
        }
        return path;
    }

    // The transport drives the OpenSSH client and relies on Unix file modes for its secrets.
    [UnsupportedOSPlatformGuard("windows")]
    private static bool IsUnix => !OperatingSystem.IsWindows();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A socket being removed by its exiting master at the same moment; retry once.
            Thread.Sleep(50);
            try { if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true); } catch (IOException) { } catch
                (UnauthorizedAccessException) { }
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // ControlPath must fit a unix socket address (108 bytes) and sits in an ssh_config value, so
    // an unusual TMPDIR (long, or with spaces, quotes or '%') falls back to /tmp.
    private static string ChooseRoot()
    {
        var temp = System.IO.Path.GetTempPath().TrimEnd('/');
        if (temp.Length is > 0 and <= 48 && temp.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-')
            && Directory.Exists(temp))
            return temp;
        return "/tmp";
    }

    private static void RemoveStale(string root)
    {
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(root, Prefix + "*"))
            {
                var name = System.IO.Path.GetFileName(dir);
                var rest = name[Prefix.Length..];
                var dash = rest.IndexOf('-');
                if (dash <= 0 || !int.TryParse(rest[..dash], out var pid)) continue;
                if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
                if (new DirectoryInfo(dir).LinkTarget is not null) continue;
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch
                    (UnauthorizedAccessException) { }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
