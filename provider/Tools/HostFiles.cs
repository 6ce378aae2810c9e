using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// Files on a host through coreutils: private scratch directories, uploads streamed into a file,
/// digests (`sha256sum`/`sha512sum`) and a few bytes read at an offset. Paths are absolute and
/// travel as argv words; `--` keeps a path from being read as an option.
/// </summary>
public sealed partial class HostFiles(IHost host)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(60);

    /// <summary>
    /// `mktemp -d` under <paramref name="parent"/>: a new directory only root can read, named `prefix.XXXXXXXX`.
    /// </summary>
    public async Task<string> MakeTempDirectoryAsync(string parent, string prefix, CancellationToken ct)
    {
        if (!parent.StartsWith('/') || prefix.Length == 0
            || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"bad scratch directory {parent}/{prefix}");
        var r = await host.RunCheckedAsync(["mktemp", "-d", $"{parent.TrimEnd('/')}/{prefix}.XXXXXXXX"], Short, ct)
            .ConfigureAwait(false);
        var dir = r.StdoutText.Trim();
        return dir.StartsWith(parent, StringComparison.Ordinal) ? dir
            : throw new FormatException($"mktemp on {host.Name} printed \"{dir}\"");
    }

    /// <summary>
    /// A fresh private directory `parent/prefix.token` (what a previous run left there is removed
    /// first, in the same round trip): scratch space a later run of the same work finds and clears
    /// when the process that made it was killed before its cleanup. <paramref name="token"/> is 8
    /// letters or digits.
    /// </summary>
    public async Task<string> MakeScratchDirectoryAsync(string parent, string prefix, string token,
        CancellationToken ct)
    {
        var dir = $"{parent.TrimEnd('/')}/{prefix}.{token}";
        if (!ScratchPath().IsMatch(dir)) throw new ArgumentException($"bad scratch directory {dir}");
        var r = await new RemoteScript().Add(["rm", "-rf", "--", dir]).Add(["install", "-d", "-m", "0700", "--", dir])
            .RunAsync(host, Short, ct).ConfigureAwait(false);
        r.EnsureSuccess();
        return dir;
    }

    /// <summary>
    /// Removes a directory made by <see cref="MakeTempDirectoryAsync"/> with everything in it; an absent one is fine.
    /// </summary>
    public async Task RemoveTreeAsync(string directory, CancellationToken ct) =>
        // The one removal guard (HostFiles.Calls.ScratchDirectory): only mvm-* directories go recursively.
        await RemoveTrees([ScratchDirectory(directory)]).RunAsync(host, Short, ct).ConfigureAwait(false);

    // The shape of a scratch directory this client makes: parent/mvm-prefix.token.
    [GeneratedRegex(@"\A(/[A-Za-z0-9._-]+)+/mvm-[a-z]+\.[A-Za-z0-9]{8}\z")]
    private static partial Regex ScratchPath();

    /// <summary>
    /// Writes <paramref name="content"/> to a new file on the host as it is read (`dd`), so its
    /// size does not matter. Returns the bytes the host wrote.
    /// </summary>
    public async Task<long> UploadAsync(string path, Stream content, TimeSpan timeout, CancellationToken ct)
    {
        if (!path.StartsWith('/')) throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));
        // conv=excl: never replace a file that is already there; status=none + stat: the size written.
        var r = await
            host.RunStreamingAsync(["bash", "-c",
            "dd of=\"$1\" bs=4M iflag=fullblock conv=excl status=none && stat -c %s -- \"$1\"", "mvm-upload", path],
            content, timeout, ct).ConfigureAwait(false);
        r.EnsureSuccess();
        return long.Parse(r.StdoutText.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The hex digest of a file, with `sha256sum` or `sha512sum`.</summary>
    public async Task<string> DigestAsync(string path, string algorithm, TimeSpan timeout, CancellationToken ct)
    {
        var tool = algorithm switch { "sha256" => "sha256sum", "sha512" => "sha512sum",
            _ => throw new ArgumentException($"unknown digest {algorithm}", nameof(algorithm)) };
        if (!path.StartsWith('/')) throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));
        var r = await host.RunAsync([tool, "--binary", "--", path], null, timeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0 && r.StderrText.Contains("No such file or directory", StringComparison.Ordinal))
            throw new ObjectNotFoundException(host.Name, tool, "file", path, r.StderrText.Trim());
        return ParseDigest(r.EnsureSuccess().StdoutText, algorithm);
    }

    /// <summary>`&lt;hex&gt; *&lt;path&gt;` → the hex, lower case.</summary>
    public static string ParseDigest(string output, string algorithm)
    {
        var hex = output.Split(' ', 2)[0].TrimStart('\\');
        var length = algorithm == "sha512" ? 128 : 64;
        return hex.Length == length && hex.All(char.IsAsciiHexDigit)
            ? hex.ToLowerInvariant()
            : throw new FormatException($"{algorithm}sum printed no digest: \"{output.Trim()}\"");
    }

    /// <summary>
    /// Up to <paramref name="count"/> bytes at <paramref name="offset"/> (fewer past the end of the file).
    /// </summary>
    public async Task<byte[]> ReadBytesAsync(string path, long offset, int count, CancellationToken ct)
    {
        if (!path.StartsWith('/')) throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));
        var r = await host.RunAsync(["dd", "if=" + path, "iflag=skip_bytes,count_bytes", "bs=64K",
            "skip=" + offset.ToString(CultureInfo.InvariantCulture),
                "count=" + count.ToString(CultureInfo.InvariantCulture), "status=none"], null, Short, ct)
                .ConfigureAwait(false);
        if (r.ExitCode != 0 && r.StderrText.Contains("No such file or directory", StringComparison.Ordinal))
            throw new ObjectNotFoundException(host.Name, "dd", "file", path, r.StderrText.Trim());
        return r.EnsureSuccess().Stdout;
    }
}
