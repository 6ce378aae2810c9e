using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// coreutils commands on a host's files as <see cref="ToolCall{T}"/>s: run one alone
/// (<see cref="ToolCallExtensions.RunAsync{T}"/>) or several in one <see cref="ToolBatch"/> (the
/// cloud-init seed: its files, the ISO made from them and its import go to the host as one round
/// trip, so the user-data is on disk only for that long). Paths are absolute and travel as argv
/// words. Tests (`test -e` …) answer false for any non-zero exit; changes fail with the command's
/// own error.
/// </summary>
public sealed partial class HostFiles
{
    /// <summary>`test -e PATH`: anything is there.</summary>
    public static ToolCall<bool> Exists(string path) => Test("-e", path);

    /// <summary>`test -f PATH`: a regular file is there.</summary>
    public static ToolCall<bool> IsFile(string path) => Test("-f", path);

    /// <summary>`test -s PATH`: a file is there and is not empty.</summary>
    public static ToolCall<bool> IsNonEmpty(string path) => Test("-s", path);

    /// <summary>`mountpoint -q -- PATH`: a filesystem is mounted there.</summary>
    public static ToolCall<bool> IsMountPoint(string path) =>
        new(["mountpoint", "-q", "--", Absolute(path)], null, r => r.ExitCode == 0);

    /// <summary>`cat PATH`: the file's bytes, or null when it cannot be read (absent, most often).</summary>
    public static ToolCall<byte[]?> ReadIfPresent(string path) =>
        new(["cat", Absolute(path)], null, r => r.ExitCode == 0 ? r.Stdout : null);

    /// <summary>`cat PATH` of a file that must be there, as text.</summary>
    public static ToolCall<string> ReadText(string path) =>
        new(["cat", Absolute(path)], null, r => r.EnsureSuccess().StdoutText);

    /// <summary>
    /// The names in <paramref name="directory"/> (not below) matching the shell pattern
    /// <paramref name="pattern"/> (`find -name`); null when the directory cannot be listed.
    /// </summary>
    public static ToolCall<IReadOnlyList<string>?> ListNames(string directory, string pattern) =>
        new(["find", Absolute(directory), "-mindepth", "1", "-maxdepth", "1", "-name", pattern, "-printf", "%f\\n"],
            null,
            r => r.ExitCode == 0 ? r.StdoutText.Split('\n',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null);

    /// <summary>`grep -qxF LINE PATH`: the file holds exactly this line (false too when the file is absent).</summary>
    public static ToolCall<bool> ContainsLine(string path, string line) =>
        new(["grep", "-qxF", line, Absolute(path)], null, r => r.ExitCode == 0);

    /// <summary>`tee -a PATH`, the text on stdin: appended to the file (made when absent).</summary>
    public static ToolCall<bool> Append(string path, byte[] content) =>
        new(["tee", "-a", Absolute(path)], content, Ok);

    /// <summary>
    /// `install -m MODE /dev/stdin PATH`: a new file with <paramref name="content"/> (replacing one that is there).
    /// </summary>
    public static ToolCall<bool> Write(string path, string mode, byte[] content) =>
        new(["install", "-m", Mode(mode), "/dev/stdin", Absolute(path)], content, Ok);

    /// <summary>
    /// `install -d [-o OWNER -g OWNER] -m MODE PATH…`: directories (and their parents) with this mode.
    /// </summary>
    public static ToolCall<bool> MakeDirectories(string mode, IReadOnlyList<string> paths, string? owner = null) =>
        new(["install", "-d", .. owner is null ? Array.Empty<string>() : ["-o", Name(owner), "-g", Name(owner)], "-m",
            Mode(mode),
            .. Absolute(paths)], null, Ok);

    /// <summary>
    /// `mv -f FROM TO`: a file written beside its target takes its place (a rename: readers see old or new).
    /// </summary>
    public static ToolCall<bool> Move(string from, string to) =>
        new(["mv", "-f", Absolute(from), Absolute(to)], null, Ok);

    /// <summary>`rm -f PATH…`: files gone; absent ones are fine.</summary>
    public static ToolCall<bool> RemoveFiles(IReadOnlyList<string> paths) =>
        new(["rm", "-f", .. Absolute(paths)], null, Ok);

    /// <summary>`rm -rf -- PATH…`: files or directories with what is in them; absent ones are fine.</summary>
    public static ToolCall<bool> RemoveTrees(IReadOnlyList<string> paths) =>
        new(["rm", "-rf", "--", .. Absolute(paths)], null, Ok);

    /// <summary>
    /// `rm -rf PATH`, without `--`: as the cluster's bootstrap has always sent it (the path is absolute,
    /// so it cannot be read as an option).
    /// </summary>
    public static ToolCall<bool> RemoveTree(string path) => new(["rm", "-rf", Absolute(path)], null, Ok);

    /// <summary>
    /// <see cref="RemoveTree"/> of a scratch directory (its last part starts with `mvm-`); an absent one is
    /// fine. Only directories the provider names for scratch work are removed through this.
    /// </summary>
    public static ToolCall<bool> RemoveScratchDirectory(string directory) => RemoveTree(ScratchDirectory(directory));

    /// <summary>
    /// Removes a scratch directory on its own, as the cleanup after a failed batch: throws only
    /// when the host cannot be reached; false when `rm` failed.
    /// </summary>
    public async Task<bool> RemoveScratchDirectoryAsync(string directory, TimeSpan timeout, CancellationToken ct)
    {
        var call = RemoveScratchDirectory(directory);
        return (await host.RunAsync(call.Argv, null, timeout, ct).ConfigureAwait(false)).ExitCode == 0;
    }

    /// <summary>`touch PATH`.</summary>
    public static ToolCall<bool> Touch(string path) => new(["touch", Absolute(path)], null, Ok);

    /// <summary>`chmod MODE PATH`.</summary>
    public static ToolCall<bool> ChangeMode(string mode, string path) =>
        new(["chmod", Mode(mode), Absolute(path)], null, Ok);

    /// <summary>`chown USER:GROUP PATH…`.</summary>
    public static ToolCall<bool> ChangeOwner(string user, string group, IReadOnlyList<string> paths) =>
        new(["chown", $"{Name(user)}:{Name(group)}", .. Absolute(paths)], null, Ok);

    /// <summary>
    /// `chown ceph:ceph` of each of <paramref name="paths"/> that exists (a fixed script, the paths as
    /// its arguments): files a bundle may or may not have carried.
    /// </summary>
    public static ToolCall<bool> ChangeOwnerToCephWhereExists(IReadOnlyList<string> paths) =>
        new(["bash", "-c", "for f in \"$@\"; do [ -e \"$f\" ] && chown ceph:ceph \"$f\"; done; exit 0", "mvm-chown",
            .. Absolute(paths)],
            null, Ok);

    /// <summary>`tar -C / -cf - PATH…`: the files as one tar stream, with paths relative to /.</summary>
    public static ToolCall<byte[]> Archive(IReadOnlyList<string> paths) =>
        new(["tar", "-C", "/", "-cf", "-", .. Absolute(paths).Select(p => p.TrimStart('/'))], null,
            r => r.EnsureSuccess().Stdout);

    /// <summary>
    /// `tar -C / --no-same-owner -xf -`: unpacks an <see cref="Archive"/> stream, files owned by the caller.
    /// </summary>
    public static ToolCall<bool> Extract(byte[] archive) =>
        new(["tar", "-C", "/", "--no-same-owner", "-xf", "-"], archive, Ok);

    /// <summary>`umount -- PATH`.</summary>
    public static ToolCall<bool> Unmount(string path) => new(["umount", "--", Absolute(path)], null, Ok);

    /// <summary>`wipefs -a -q -- DEVICE`: every filesystem, RAID and BlueStore signature off the device.</summary>
    public static ToolCall<bool> WipeSignatures(string device) =>
        new(["wipefs", "-a", "-q", "--", Absolute(device)], null, Ok);

    private static ToolCall<bool> Test(string op, string path) =>
        new(["test", op, Absolute(path)], null, r => r.ExitCode == 0);

    private static bool Ok(CommandResult r) => r.EnsureSuccess() is not null;

    private static string Absolute(string path) =>
        path is { Length: > 1 } && path[0] == '/' ? path :
            throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));

    private static string[] Absolute(IReadOnlyList<string> paths) =>
        paths.Count > 0 ? paths.Select(Absolute).ToArray() : throw new ArgumentException("no paths", nameof(paths));

    // Only directories the provider names for scratch work are removed recursively.
    private static string ScratchDirectory(string directory) =>
        Absolute(directory).Split('/') is var parts && parts[^1].StartsWith("mvm-", StringComparison.Ordinal)
            && !parts.Any(p => p is "." or "..")
            ? directory
            : throw new ArgumentException($"\"{directory}\" is not a scratch directory", nameof(directory));

    private static string Mode(string mode) =>
        mode is { Length: 4 } && mode.All(c => c is >= '0' and <= '7') ? mode :
            throw new ArgumentException($"\"{mode}\" is not an octal mode", nameof(mode));

    private static string Name(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') && name[0] != '-'
            ? name : throw new ArgumentException($"\"{name}\" is not a user or group name", nameof(name));
}
