using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// apt-get and dpkg-query on Debian-family hosts. <see cref="InstallAsync"/> is idempotent: it
/// asks dpkg first (one round trip) and runs apt-get only for what is missing, so a converged
/// host costs no apt lock, no index download and no dpkg run.
/// </summary>
public sealed partial class Apt(IHost host)
{
    internal const string ListsDirectory = "/var/lib/apt/lists";

    // How long to wait for another apt/dpkg (unattended-upgrades on a fresh Ubuntu box, cloud-init)
    // to release its lock before failing; without it apt-get fails at once with "Could not get lock".
    internal const int LockTimeoutSeconds = 600;

    // `apt-get update` ignores DPkg::Lock::Timeout for the lists lock (apt 2.6 fails at once):
    // it is retried this often until LockTimeoutSeconds have passed.
    private static readonly TimeSpan ListsLockRetry = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Package indexes older than this are refreshed before an install (they are also refreshed when empty).
    /// </summary>
    public TimeSpan ListsMaxAge { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How often a running install is asked for progress (the first polls come sooner, so short installs return
    /// quickly).
    /// </summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// While apt-get runs, progress is reported at least this often, repeated with the time spent when apt says nothing
    /// new.
    /// </summary>
    public TimeSpan ProgressHeartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The installed state of each package, in the order asked; one round trip.</summary>
    public async Task<IReadOnlyList<PackageStatus>> QueryAsync(IReadOnlyList<string> packages, TimeSpan timeout,
        CancellationToken ct) =>
        (await StateAsync(packages, timeout, ct).ConfigureAwait(false)).Packages;

    /// <summary>The installed version of a package, or null when it is not installed.</summary>
    public async Task<string?> InstalledVersionAsync(string package, TimeSpan timeout, CancellationToken ct) =>
        (await QueryAsync([package], timeout, ct).ConfigureAwait(false))[0] is { Installed: true } p ? p.Version : null;

    /// <summary>
    /// `apt-get update`: refreshes the package indexes, with progress; waits (up to
    /// <see cref="LockTimeoutSeconds"/>) while another apt holds the lists lock, and says so.
    /// </summary>
    public async Task UpdateAsync(TimeSpan timeout, CancellationToken ct, Action<AptProgress>? progress = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var lockDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(LockTimeoutSeconds);
        var started = DateTime.UtcNow;
        while (true)
        {
            var result = await RunWithProgressAsync(UpdateArgv(), AptPhase.UpdatingLists, Remaining(deadline), ct,
                progress).ConfigureAwait(false);
            if (result.ExitCode != 0 && LockHolder(result.StderrText) is { } holder
                && DateTime.UtcNow + ListsLockRetry < lockDeadline && DateTime.UtcNow + ListsLockRetry < deadline)
            {
                progress?.Invoke(new AptProgress(AptPhase.WaitingForLock, 0,
                    $"the apt lists lock is held by {holder}") { Elapsed = DateTime.UtcNow - started });
                await Task.Delay(ListsLockRetry, ct).ConfigureAwait(false);
                continue;
            }
            Check(result);
            // apt-get exits 0 when only some index files failed to download (a W: line), leaving them
            // stale; an install would then fail later with a less helpful "Unable to locate package".
            if (result.StderrText.Contains("Some index files failed to download", StringComparison.Ordinal))
                throw new RemoteCommandFailedException(host.Name, result.Argv, result.ExitCode,
                    result.StderrText.Trim(), "");
            return;
        }
    }

    /// <summary>Runs apt-get detached and passes its progress on through an <see cref="AptProgressPacer"/>.</summary>
    private Task<CommandResult> RunWithProgressAsync(string[] argv, AptPhase phase, TimeSpan timeout,
        CancellationToken ct, Action<AptProgress>? progress)
    {
        var pacer = new AptProgressPacer(phase, DateTime.UtcNow, ProgressHeartbeat);
        return RemoteJob.RunWithPollsAsync(host, argv, RemoteJob.Stream.Fd3, poll =>
        {
            if (progress is null) return;
            var reading = ReadProgress(poll, phase);
            if (pacer.Next(reading, DateTime.UtcNow) is { } p) progress(p);
        }, timeout, ct, ProgressInterval);
    }

    /// <summary>
    /// What apt is doing at one poll: waiting for a lock (its last stdout line says so, and by whom)
    /// or the last APT::Status-Fd line; `apt-get update` reports its downloads as updating lists.
    /// </summary>
    internal static AptProgress? ReadProgress(JobPoll poll, AptPhase phase)
    {
        if (WaitingForLock().Match(poll.LastOutputLine) is { Success: true } m)
        {
            var lockOf = m.Groups["path"].Value.StartsWith("/var/lib/dpkg/", StringComparison.Ordinal) ? "dpkg" : "apt";
            return new AptProgress(AptPhase.WaitingForLock, 0,
                $"the {lockOf} lock is held by {m.Groups["holder"].Value}");
        }
        var p = ParseStatusFd(poll.Tail);
        return p is { Phase: AptPhase.Downloading }
            && phase == AptPhase.UpdatingLists ? p with { Phase = AptPhase.UpdatingLists } : p;
    }

    // apt 2.x while DPkg::Lock::Timeout runs: "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend.
    // It is held by process 190 (python3)..."
    [GeneratedRegex(@"\AWaiting for cache lock: Could not get lock (?<path>\S+?)\.? It is held by " +
        @"(?<holder>process \d+ \([^)\n]*\))")]
    private static partial Regex WaitingForLock();

    // apt-get update on a held lists lock: "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 248
    // (python3)".
    [GeneratedRegex(@"^E: Could not get lock \S+ It is held by (?<holder>process \d+ \([^)\n]*\))",
        RegexOptions.Multiline)]
    private static partial Regex LockHeld();

    /// <summary>
    /// Who holds the lock apt-get failed to get ("process 248 (apt-get)"), from its stderr; null when that was not the
    /// failure.
    /// </summary>
    internal static string? LockHolder(string stderr) =>
        LockHeld().Match(stderr) is { Success: true } m ? m.Groups["holder"].Value : null;

    /// <summary>
    /// Installs the packages that are not installed yet. Refreshes the indexes first when they are
    /// empty (a fresh cloud image) or older than <see cref="ListsMaxAge"/>, and once more if apt
    /// cannot find a package with indexes it did not just download. Reports download and dpkg
    /// progress through <paramref name="progress"/> while apt-get runs. A package that no
    /// configured source offers raises <see cref="ObjectNotFoundException"/>.
    /// </summary>
    public async Task<AptInstallResult> InstallAsync(IReadOnlyList<string> packages, TimeSpan timeout,
        CancellationToken ct,
        Action<AptProgress>? progress = null, bool installRecommends = true)
    {
        ArgumentNullException.ThrowIfNull(packages);
        if (packages.Count == 0) throw new ArgumentException("no packages to install", nameof(packages));
        var deadline = DateTime.UtcNow + timeout;
        TimeSpan Left() => Remaining(deadline);

        var before = await StateAsync(packages, Left(), ct).ConfigureAwait(false);
        var missing = before.Packages.Where(p => !p.Installed).Select(p => p.Name).ToList();
        if (missing.Count == 0) return new AptInstallResult(host.Name, before.Packages, [], ListsUpdated: false);

        var updated = false;
        if (!before.ListsFresh(ListsMaxAge))
        {
            progress?.Invoke(new AptProgress(AptPhase.UpdatingLists, 0, "updating package lists"));
            await UpdateAsync(Left(), ct, progress).ConfigureAwait(false);
            updated = true;
        }

        while (true)
        {
            var result = await RunWithProgressAsync(InstallArgv(missing, installRecommends), AptPhase.Installing,
                Left(), ct, progress).ConfigureAwait(false);
            if (result.ExitCode == 0) break;
            // Indexes that were fresh enough by age can still predate a package (a new source, a
            // new release) or name a version the mirror no longer has: refresh once and retry.
            if (!updated && (UnknownPackages(result.StderrText).Count > 0 || NotOnMirror().IsMatch(result.StderrText)))
            {
                progress?.Invoke(new AptProgress(AptPhase.UpdatingLists, 0, "updating package lists"));
                await UpdateAsync(Left(), ct, progress).ConfigureAwait(false);
                updated = true;
                continue;
            }
            Check(result);
        }

        // Read back: what dpkg says now, not what apt-get claimed.
        var after = await StateAsync(packages, Left(), ct).ConfigureAwait(false);
        var notInstalled = after.Packages.Where(p => !p.Installed).ToList();
        if (notInstalled.Count > 0)
            throw new ProviderException($"apt-get install succeeded on {host.Name} but dpkg does not list " +
                string.Join(", ",
                    notInstalled.Select(p =>
                    $"{p.Name} ({p.StatusAbbrev.Trim() switch { "" => "not installed", var s => s }})")) +
                " as installed; run `dpkg --configure -a` on the host and look at /var/log/dpkg.log")
            { Host = host.Name };
        progress?.Invoke(new AptProgress(AptPhase.Installing, 100,
            "installed " + AptInstallResult.Abbreviate(missing)));
        var newly = after.Packages.Where(p => missing.Contains(p.Name)).ToList();
        return new AptInstallResult(host.Name, after.Packages, newly, updated);
    }

    // ---- argv ----

    internal static string[] QueryArgv(IReadOnlyList<string> packages)
    {
        foreach (var p in packages) ValidatePackage(p);
        // db:Status-Abbrev is three characters (desired, status, error flag) and is the only
        // field that tells "installed" from "removed, config files left" (`rc`).
        return ["dpkg-query", "-W", "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\n", "--", .. packages];
    }

    // mtimes of the index files and of the lists directory itself, which every update touches.
    internal static readonly string[] ListsArgv = ["find", ListsDirectory, "-maxdepth", "1", "-printf", "%T@\\t%f\\n"];

    // The host's clock, not this machine's: the lists' mtimes were written by it.
    internal static readonly string[] ClockArgv = ["date", "+%s"];

    internal static string[] UpdateArgv() =>
        ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-q", "-o", LockTimeoutOption, "-o",
            "APT::Status-Fd=3"];

    private static readonly string LockTimeoutOption = "DPkg::Lock::Timeout="
        + LockTimeoutSeconds.ToString(CultureInfo.InvariantCulture);

    internal static string[] InstallArgv(IReadOnlyList<string> packages, bool installRecommends)
    {
        foreach (var p in packages) ValidatePackage(p);
        var argv = new List<string>
        {
            // noninteractive: no debconf prompt may wait for a terminal that is not there.
            "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
            // Keep a config file the admin changed and take the default for the rest, instead of
            // stopping at dpkg's conffile question.
            "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
            "-o", LockTimeoutOption,
            // Machine-readable progress (dlstatus:/pmstatus: lines) on fd 3, apart from the log.
            "-o", "APT::Status-Fd=3",
        };
        if (!installRecommends) argv.Add("--no-install-recommends");
        argv.Add("--");
        argv.AddRange(packages);
        return argv.ToArray();
    }

    // Debian policy 5.6.1: lower case letters, digits, + - . ; at least two characters, starting
    // with an alphanumeric (so no name can be read as an option); optionally `:arch`.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9+.\-]+(:[a-z0-9\-]+)?\z")]
    private static partial Regex PackageName();

    internal static void ValidatePackage(string package)
    {
        if (package is null || !PackageName().IsWholeMatch(package))
            throw new
                ArgumentException($"\"{package}\" is not a Debian package name (lower case letters, digits, '+', " +
                "'-', '.'; optionally :arch)", nameof(package));
    }

    // ---- parsing ----

    internal async Task<AptState> StateAsync(IReadOnlyList<string> packages, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var script = new RemoteScript { StopOnFailure = false }.Add(QueryArgv(packages)).Add(ListsArgv).Add(ClockArgv);
        return FromResults(host.Name, packages, await script.RunAsync(host, timeout, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Reads the answers of <see cref="QueryArgv"/>, <see cref="ListsArgv"/> and <see cref="ClockArgv"/>, in that
    /// order.
    /// </summary>
    internal static AptState FromResults(string hostName, IReadOnlyList<string> packages, ScriptResult r)
    {
        var query = r[0] ?? throw new FormatException($"dpkg-query did not run on {hostName}");
        if (query.ExitCode == 127) throw new ToolMissingException(hostName, "dpkg-query", "dpkg");
        // Exit 1 with "no packages found matching X" just means X was never installed.
        if (query.ExitCode != 0
            && !(query.ExitCode == 1
            && query.StderrText.Split('\n')
            .All(l =>
            l.Length == 0 || l.StartsWith("dpkg-query: no packages found matching ", StringComparison.Ordinal))))
            query.EnsureSuccess();
        var statuses = ParseDpkgQuery(query.StdoutText);
        var result = packages.Select(p =>
            statuses.GetValueOrDefault(BareName(p)) ?? new PackageStatus(p, false, null, "")).ToList();

        var lists = r[1] is { ExitCode: 0 } l ? ParseLists(l.StdoutText) : (false, (DateTimeOffset?)null);
        var clock = r[2] is { ExitCode: 0 } c
            && long.TryParse(c.StdoutText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var now)
            ? DateTimeOffset.FromUnixTimeSeconds(now) : DateTimeOffset.UtcNow;
        return new AptState(result, lists.Item1, lists.Item2, clock);
    }

    private static string BareName(string package) => package.Split(':')[0];

    /// <summary>dpkg-query lines `ii \tname\tversion`, by package name.</summary>
    public static IReadOnlyDictionary<string, PackageStatus> ParseDpkgQuery(string text)
    {
        var result = new Dictionary<string, PackageStatus>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split('\t');
            if (fields.Length != 3 || fields[1].Length == 0) continue;
            var abbrev = fields[0];
            // "ii " = want install, installed, no error flag. "rc" (config files only), "iU"
            // (unpacked), "iF" (half-configured) or a trailing "R" all still need apt-get.
            var installed = abbrev.Length >= 2 && abbrev[0] == 'i' && abbrev[1] == 'i'
                && (abbrev.Length < 3 || abbrev[2] == ' ');
            result[fields[1]] = new PackageStatus(fields[1], installed,
                installed || fields[2].Length > 0 ? fields[2] : null, abbrev);
        }
        return result;
    }

    /// <summary>
    /// `find … -printf '%T@\t%f\n'` over the lists directory: whether any Packages index exists, and the newest mtime.
    /// </summary>
    internal static (bool HasIndexes, DateTimeOffset? NewestChange) ParseLists(string text)
    {
        var hasIndexes = false;
        double newest = 0;
        foreach (var line in text.Split('\n'))
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0
                || !double.TryParse(line[..tab], NumberStyles.Float, CultureInfo.InvariantCulture, out var mtime))
                continue;
            var name = line[(tab + 1)..];
            // `lock` is touched by any apt run, even one that failed to download anything.
            if (name == "lock") continue;
            hasIndexes |= name.Contains("_Packages", StringComparison.Ordinal);
            newest = Math.Max(newest, mtime);
        }
        return (hasIndexes, newest > 0 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(newest * 1000)) : null);
    }

    /// <summary>The last progress line of APT::Status-Fd output (`dlstatus:…` or `pmstatus:…`), or null.</summary>
    public static AptProgress? ParseStatusFd(string text)
    {
        // The text may be a tail that starts mid-line and may end in a partly written line: only
        // complete lines count.
        var end = text.LastIndexOf('\n');
        if (end < 0) return null;
        var lines = text[..end].Split('\n');
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            // kind:id:percent:message — the message may itself contain ':'.
            var parts = lines[i].Split(':', 4);
            if (parts.Length != 4
                || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
                continue;
            var phase = parts[0] switch
            {
                "dlstatus" => AptPhase.Downloading,
                "pmstatus" => AptPhase.Installing,
                _ => (AptPhase?)null,
            };
            if (phase is { } p) return new AptProgress(p, Math.Clamp(percent, 0, 100), parts[3].Trim());
        }
        return null;
    }

    // "E: Failed to fetch http://…/x.deb  404  Not Found [IP: …]": the indexes name a version the mirror dropped.
    [GeneratedRegex(@"^E: Failed to fetch .*\b404\b", RegexOptions.Multiline)]
    private static partial Regex NotOnMirror();

    [GeneratedRegex(@"^E: (?:Unable to locate package (?<name>\S+)|Package '(?<name>[^']+)' has no installation " +
        "candidate)", RegexOptions.Multiline)]
    private static partial Regex UnknownPackage();

    /// <summary>Packages apt-get reported as unknown or uninstallable, from its stderr.</summary>
    internal static IReadOnlyList<(string Name, string Line)> UnknownPackages(string stderr) =>
        UnknownPackage().Matches(stderr).Select(m => (m.Groups["name"].Value, m.Value.Trim())).ToList();

    /// <summary>Maps a failed apt-get to the provider's typed errors; returns the result when it succeeded.</summary>
    internal static CommandResult Check(CommandResult result)
    {
        if (result.ExitCode == 0) return result;
        // The argv starts with `env`, which answers 127 when apt-get itself is missing.
        if (result.ExitCode == 127) throw new ToolMissingException(result.Host, "apt-get", "apt");
        if (UnknownPackages(result.StderrText) is [var first, ..] unknown)
            throw new ObjectNotFoundException(result.Host, "apt-get", unknown.Count == 1 ? "package" : "packages",
                string.Join(", ", unknown.Select(u => u.Name)),
                    first.Line + " — check the name and that the host's apt sources offer it");
        return result.EnsureSuccess();
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        // Let the last step still reach the host and fail with the transport's own timeout error.
        return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
    }
}

/// <summary>What <see cref="Apt"/> learnt in one round trip: package states and how old the indexes are.</summary>
internal sealed record AptState(IReadOnlyList<PackageStatus> Packages, bool HasIndexes, DateTimeOffset? ListsChanged,
    DateTimeOffset HostClock)
{
    public bool ListsFresh(TimeSpan maxAge) =>
        HasIndexes && ListsChanged is { } changed && HostClock - changed < maxAge;
}

/// <summary>
/// One package as dpkg sees it. <see cref="StatusAbbrev"/> is dpkg's three-letter state (`ii `, `rc `, empty when
/// unknown).
/// </summary>
public sealed record PackageStatus(string Name, bool Installed, string? Version, string StatusAbbrev);

public enum AptPhase
{
    UpdatingLists,
    Downloading,
    Installing,
    WaitingForLock,
}

/// <summary>
/// Progress of an apt-get run: the phase, its percentage, and apt's own words (`Unpacking qemu-utils (amd64)`);
/// <see cref="Elapsed"/> is the time since that apt-get started, when known.
/// </summary>
public sealed record AptProgress(AptPhase Phase, double Percent, string Message)
{
    public TimeSpan? Elapsed { get; init; }

    public override string ToString() => Phase switch
    {
        AptPhase.WaitingForLock => $"waiting for another apt to finish: {Message}",
        _ =>
            $"{Phase switch { AptPhase.UpdatingLists => "updating lists", AptPhase.Downloading => "downloading",
                _ => "installing" }} {Percent:0}%: {Message}",
    } + (Elapsed is { } e ? $" ({e.TotalSeconds:0} s)" : "");
}

/// <summary>The outcome of <see cref="Apt.InstallAsync"/>; <see cref="Packages"/> is read back from dpkg.</summary>
public sealed record AptInstallResult(string Host, IReadOnlyList<PackageStatus> Packages,
    IReadOnlyList<PackageStatus> NewlyInstalled, bool ListsUpdated)
{
    public bool NothingToDo => NewlyInstalled.Count == 0;

    /// <summary>
    /// One readable line for the engine log (at most ~160 characters): what changed, or that nothing had to.
    /// </summary>
    public string Summary => NothingToDo
        ? $"{Host}: {Describe(Packages)} already installed; nothing to do"
        : $"{Host}: installed {Describe(NewlyInstalled)}" + (ListsUpdated ? " (package lists updated first)" : "");

    /// <summary>The longest list of items that fits in the budget; a cut list says how many there are in all.</summary>
    public const int ListBudget = 110;

    /// <summary>Names and versions when they fit; else names only (dpkg has the versions), cut to fit.</summary>
    private static string Describe(IReadOnlyList<PackageStatus> packages)
    {
        var withVersions = string.Join(", ", packages.Select(p => $"{p.Name} {p.Version}"));
        return withVersions.Length <= ListBudget ? withVersions : Abbreviate(packages.Select(p => p.Name).ToList());
    }

    /// <summary>
    /// "a, b, c" when it fits in <see cref="ListBudget"/> characters, else "40 packages: a, b, … and 37 more".
    /// </summary>
    public static string Abbreviate(IReadOnlyList<string> items)
    {
        var all = string.Join(", ", items);
        if (all.Length <= ListBudget) return all;
        var shown = new List<string>();
        foreach (var item in items)
        {
            var head = $"{items.Count} packages: {string.Join(", ", shown.Append(item))} " +
                $"and {items.Count - shown.Count - 1} more";
            if (head.Length > ListBudget && shown.Count > 0) break;
            shown.Add(item);
        }
        return $"{items.Count} packages: {string.Join(", ", shown)} and {items.Count - shown.Count} more";
    }
}
