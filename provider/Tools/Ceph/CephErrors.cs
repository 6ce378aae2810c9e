using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// The errno values ceph and rbd exit with: both CLIs turn the failing call's -errno into their
/// exit code (EBUSY from `osd ok-to-stop` is exit 16), so the exit code says what went wrong.
/// </summary>
public static class CephErrno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EAGAIN = 11;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int ENOTEMPTY = 39;
    public const int ETIMEDOUT = 110;

    public static string Name(int exitCode) => exitCode switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EAGAIN => "EAGAIN",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        EINVAL => "EINVAL",
        ENOTEMPTY => "ENOTEMPTY",
        ETIMEDOUT => "ETIMEDOUT",
        _ => "exit " + exitCode,
    };
}

/// <summary>
/// Reading what a Ceph CLI said when it failed. Shared by <see cref="Ceph"/>, <see cref="Rbd"/> and
/// <see cref="CephVolume"/> so the three map "cannot reach the cluster" and "does not exist" alike.
/// </summary>
internal static partial class CephFailure
{
    /// <summary>
    /// The line that carries the error, without librados' timestamped log noise: `ceph` prints
    /// "Error EBUSY: …", rbd "rbd: …: (2) No such file or directory".
    /// </summary>
    public static string Message(CommandResult r)
    {
        var lines = r.StderrText.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !LogLine().IsMatch(l))
            .ToList();
        var error = lines.LastOrDefault(l => l.StartsWith("Error ", StringComparison.Ordinal));
        if (error is not null) return error;
        return lines.Count > 0 ? lines[^1] : r.StdoutText.Trim();
    }

    /// <summary>The text after "Error EXXX: ", or the whole message when Ceph printed no errno name.</summary>
    public static string Reason(CommandResult r)
    {
        var m = ErrorLine().Match(Message(r));
        return m.Success ? m.Groups[2].Value.Trim() : Message(r);
    }

    /// <summary>
    /// Connection failures must never be read as "not found": with a wrong keyring rbd reports
    /// "listing images failed: (2) No such file or directory", and a missing ceph.conf is
    /// "ObjectNotFound('RADOS object not found (error calling conf_read_file)')".
    /// </summary>
    public static void ThrowIfUnreachable(CommandResult r, string tool)
    {
        if (r.ExitCode == 0) return;
        var err = r.StderrText;
        var unreachable =
            err.Contains("error connecting to the cluster", StringComparison.Ordinal) ||
            err.Contains("Error initializing cluster client", StringComparison.Ordinal) ||
            err.Contains("couldn't connect to the cluster", StringComparison.Ordinal) ||
            err.Contains("authenticate timed out", StringComparison.Ordinal) ||
            // `ceph --connect-timeout N` prints only this when no monitor answered in time.
            (tool == "ceph" && err.Trim() == "timed out");
        if (!unreachable) return;
        var keyring = err.Split('\n').Select(l => KeyringMissing().Match(l))
            .FirstOrDefault(m => m.Success)?.Groups[1].Value;
        var detail = Message(r) + (keyring is null ? "" : $"; no keyring found at {keyring}");
        throw new CephUnreachableException(r.Host, tool, r.CommandLine, detail);
    }

    /// <summary>
    /// An ENOENT answer as the one not-found exception, naming what Ceph said is missing (a pool,
    /// an OSD, a CRUSH rule …) rather than what the caller asked about: `osd pool create p --rule r`
    /// fails with ENOENT because the rule is missing, not the pool.
    /// </summary>
    public static ObjectNotFoundException NotFound(CommandResult r, string tool, string kind, string name)
    {
        var message = Message(r);
        // "rbd: error opening image x: …" reads better without the tool's name twice in the message.
        if (message.StartsWith(tool + ": ", StringComparison.Ordinal)) message = message[(tool.Length + 2)..];
        foreach (var (pattern, what) in Missing)
        {
            var m = pattern.Match(message);
            if (m.Success) return new ObjectNotFoundException(r.Host, tool, what, m.Groups[1].Value, message);
        }
        return new ObjectNotFoundException(r.Host, tool, kind, name, message);
    }

    /// <summary>
    /// A non-zero exit that no caller handled: the transport's exception, with the command, exit code and stderr.
    /// </summary>
    public static Exception Failed(CommandResult r)
    {
        // EnsureSuccess builds that exception with the host's secrets scrubbed; reuse it rather than rebuild the
        // message here.
        try
        {
            r.EnsureSuccess();
        }
        catch (RemoteCommandFailedException e)
        {
            return e;
        }
        return new InvalidOperationException($"`{r.CommandLine}` on {r.Host} succeeded where a failure was expected");
    }

    private static readonly (Regex Pattern, string Kind)[] Missing =
    [
        (new Regex(@"unrecognized pool '([^']*)'", RegexOptions.CultureInvariant), "pool"),
        (new Regex(@"pool '([^']*)' does not exist", RegexOptions.CultureInvariant), "pool"),
        (new Regex(@"error opening pool '([^']*)'", RegexOptions.CultureInvariant), "pool"),
        (new Regex(@"error opening image ([^:]+):", RegexOptions.CultureInvariant), "image"),
        (new Regex(@"(osd\.\d+) does not exist", RegexOptions.CultureInvariant), "OSD"),
        (new Regex(@"specified rule (\S+) doesn't exist", RegexOptions.CultureInvariant), "CRUSH rule"),
        (new Regex(@"entity (\S+) does not exist", RegexOptions.CultureInvariant), "auth entity"),
    ];

    // librados log lines: "2026-11-21T07:03:01.693+0000 7fbaa59516c0 -1 auth: …".
    [GeneratedRegex(@"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+\d{4} [0-9a-f]+ +-?\d+ ", RegexOptions.CultureInvariant)]
    private static partial Regex LogLine();

    [GeneratedRegex(@"\AError (E[A-Z]+): (.*)\z", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"unable to find a keyring on ([^:]+):", RegexOptions.CultureInvariant)]
    private static partial Regex KeyringMissing();
}

/// <summary>
/// The Ceph tools on a host could not reach the cluster (no monitor answered, wrong keyring, no
/// configuration). Nothing was read or changed; this is never "the object does not exist".
/// </summary>
public sealed class CephUnreachableException(string host, string tool, string commandLine, string detail)
    : ProviderException($"`{commandLine}` on {host} could not reach the Ceph cluster ({detail}). " +
        "Check that the monitors are running and reachable from the host (`systemctl status ceph-mon.target`), " +
        "and that the host's Ceph configuration and keyring are in place.")
{
    public string HostName { get; } = host;
    public string Tool { get; } = tool;
}

/// <summary>
/// Pool deletion is switched off on the monitors (mon_allow_pool_delete = false) and the caller did not allow lifting
/// it.
/// </summary>
public sealed class PoolDeletionDisabledException(string host, string pool, string detail)
    :
        ProviderException($"Ceph refused to delete pool \"{pool}\" on {host}: {detail}. The monitors' " +
        "mon_allow_pool_delete is false; " +
        "allow the provider to switch it on for the deletion, or run `ceph config set mon mon_allow_pool_delete " +
            "true` yourself " +
        "(a value in the monitors' ceph.conf overrides `ceph config set`).")
{
    public string Pool { get; } = pool;
}
