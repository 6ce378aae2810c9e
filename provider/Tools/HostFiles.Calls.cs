namespace Mvm.Tools;

/// <summary>
/// Private scratch files as <see cref="ToolCall{T}"/>s, to go with other tools' calls in one
/// <see cref="ToolBatch"/> (the cloud-init seed: its files, the ISO made from them and its
/// import go to the host as one round trip, so the user-data is on disk only for that long).
/// </summary>
public sealed partial class HostFiles
{
    /// <summary>`rm -rf DIR` of a scratch directory (its last part starts with `mvm-`); an absent one is
    /// fine.</summary>
    public static ToolCall<bool> RemoveDirectoryCall(string directory) =>
        Checked(["rm", "-rf", ScratchDirectory(directory)], null);

    /// <summary>`install -d -m 0700 DIR`: a directory only root can enter.</summary>
    public static ToolCall<bool> MakePrivateDirectoryCall(string directory) =>
        Checked(["install", "-d", "-m", "0700", Absolute(directory)], null);

    /// <summary>`install -m 0600 /dev/stdin PATH`: <paramref name="content"/> into a file only root can read, on stdin,
    /// never on argv.</summary>
    public static ToolCall<bool> WritePrivateFileCall(string path, byte[] content) =>
        Checked(["install", "-m", "0600", "/dev/stdin", Absolute(path)], content);

    /// <summary>
    /// Removes a scratch directory on its own, as the cleanup after a failed batch: throws only
    /// when the host cannot be reached; false when `rm` failed.
    /// </summary>
    public async Task<bool> RemoveDirectoryAsync(string directory, TimeSpan timeout, CancellationToken ct)
    {
        var call = RemoveDirectoryCall(directory);
        return (await host.RunAsync(call.Argv, null, timeout, ct).ConfigureAwait(false)).ExitCode == 0;
    }

    private static ToolCall<bool> Checked(IReadOnlyList<string> argv, byte[]? stdin) =>
        new(argv, stdin, r => r.EnsureSuccess() is not null);

    // An absolute path cannot be read as an option.
    private static string Absolute(string path) =>
        path.StartsWith('/') ? path : throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));

    // Only directories the provider names for scratch work are removed recursively.
    private static string ScratchDirectory(string directory) =>
        Absolute(directory).Split('/') is var parts && parts[^1].StartsWith("mvm-", StringComparison.Ordinal)
            && !parts.Any(p => p is "." or "..")
            ? directory
            : throw new ArgumentException($"\"{directory}\" is not a scratch directory", nameof(directory));
}
