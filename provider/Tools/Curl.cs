using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>Bytes received so far and the size the server announced (null when it did not).</summary>
public readonly record struct DownloadProgress(long ReceivedBytes, long? TotalBytes);

/// <summary>
/// curl on a host: downloads an http(s) URL to a file there, so an image travels from its mirror
/// to the cluster without passing through the machine running Pulumi. Redirects are followed but
/// only to http(s); a stalled transfer (under 1 KiB/s for <see cref="StallTime"/>) is abandoned.
/// </summary>
public sealed partial class Curl(IHost host)
{
    internal const string Tool = "curl";

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan StallTime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/> (an absolute path on the
    /// host). With <paramref name="progress"/> it runs as a detached job whose progress meter is
    /// read while it runs. An HTTP error status, a refused connection or a stall is a
    /// <see cref="DownloadFailedException"/> carrying curl's own message.
    /// </summary>
    public async Task DownloadAsync(Uri url, string destination, TimeSpan timeout, CancellationToken ct,
        Action<DownloadProgress>? progress = null, TimeSpan? pollInterval = null)
    {
        var argv = DownloadArgv(url, destination, ConnectTimeout, StallTime, quiet: progress is null);
        CommandResult r;
        if (progress is null) r = await host.RunAsync(argv, null, timeout, ct).ConfigureAwait(false);
        else
        {
            DownloadProgress? last = null;
            r = await RemoteJob.RunAsync(host, argv, RemoteJob.Stream.Stderr, tail =>
            {
                if (ParseProgress(tail) is { } p && p != last) progress(p);
            }, timeout, ct, pollInterval).ConfigureAwait(false);
        }
        if (r.ExitCode == 127) throw new ToolMissingException(host.Name, Tool, "curl");
        if (r.ExitCode != 0) throw new DownloadFailedException(host.Name, url, r.ExitCode, ErrorLine(r.StderrText));
    }

    internal static string[] DownloadArgv(Uri url, string destination, TimeSpan connectTimeout, TimeSpan stallTime,
        bool quiet)
    {
        if (url.Scheme is not ("http" or "https")) throw new
            ArgumentException($"only http(s) URLs are downloaded, got {url.Scheme}", nameof(url));
        if (!destination.StartsWith('/')) throw new
            ArgumentException($"the destination must be an absolute path on the host, got \"{destination}\"",
            nameof(destination));
        return
        [
            Tool, .. quiet ? new[] { "--silent", "--show-error" } : [],
            "--fail", "--location", "--proto", "=http,https", "--proto-redir", "=http,https",
            "--connect-timeout", Seconds(connectTimeout), "--speed-limit", "1024", "--speed-time", Seconds(stallTime),
            "--output", destination, url.AbsoluteUri,
        ];
    }

    private static string Seconds(TimeSpan t) =>
        Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The last update of curl's progress meter: lines separated by carriage returns, whose first
    /// four columns are "% of total, total, % received, received" with k/M/G/T suffixes (powers of 1024).
    /// </summary>
    public static DownloadProgress? ParseProgress(string meter)
    {
        foreach (var line in meter.Split('\r', '\n').Reverse())
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length < 4
                || !int.TryParse(cols[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)) continue;
            if (Bytes(cols[1]) is not { } total || Bytes(cols[3]) is not { } received) continue;
            return new DownloadProgress(received, total > 0 ? total : null);
        }
        return null;
    }

    private static long? Bytes(string text)
    {
        var m = Size().Match(text);
        if (!m.Success) return null;
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var scale = m.Groups[2].Value switch { "k" => 1L << 10, "M" => 1L << 20, "G" => 1L << 30, "T" => 1L << 40,
            "P" => 1L << 50, _ => 1L };
        return (long)(value * scale);
    }

    [GeneratedRegex(@"\A(\d+(?:\.\d+)?)([kMGTP]?)\z")]
    private static partial Regex Size();

    /// <summary>
    /// curl's own error line (`curl: (22) The requested URL returned error: 404`), without the meter before it.
    /// </summary>
    public static string ErrorLine(string stderr) =>
        stderr.Split('\r', '\n').Select(l => l.Trim())
            .LastOrDefault(l => l.StartsWith("curl:", StringComparison.Ordinal))
        ?? stderr.Split('\r', '\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
}

/// <summary>
/// A download curl gave up on: the exit code and curl's message say why (HTTP status, DNS, connection, stall).
/// </summary>
public sealed class DownloadFailedException(string host, Uri url, int exitCode, string message)
    :
        ProviderException($"downloading {url.GetLeftPart(UriPartial.Path)} on {host} failed (curl " +
        $"exit {exitCode}): {message}")
{
    public int ExitCode { get; } = exitCode;
}
