using System.Formats.Tar;
using System.IO.Compression;

namespace Mvm.Tests.Release;

/// <summary>One entry of a tarball: its name and type as stored, its mode, and the first bytes of a file.</summary>
public sealed record TarballEntry(string Name, TarEntryType Type, UnixFileMode Mode, long Length, byte[] Head);

/// <summary>Reads a .tar.gz as the Pulumi CLI unpacks it, keeping each file's first bytes for its header.</summary>
public static class TarballContents
{
    /// <summary>Enough for an ELF or PE header and a Mach-O binary's load commands.</summary>
    private const int HeadBytes = 64 * 1024;

    public static IReadOnlyList<TarballEntry> Read(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var entries = new List<TarballEntry>();
        while (reader.GetNextEntry() is { } entry)
        {
            var head = Array.Empty<byte>();
            if (entry.DataStream is { } data)
            {
                head = new byte[Math.Min(HeadBytes, entry.Length)];
                data.ReadExactly(head);
            }
            entries.Add(new TarballEntry(entry.Name, entry.EntryType, entry.Mode, entry.Length, head));
        }
        return entries;
    }

    /// <summary>Unpacks into a new temporary directory (modes kept, as the CLI keeps them) and returns it.</summary>
    public static string Extract(string path)
    {
        var dir = Directory.CreateTempSubdirectory("mvm-release-").FullName;
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gzip, dir, overwriteFiles: false);
        return dir;
    }
}
