using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

public sealed partial class OsdRemoval
{
    public static string MonDirectory(string name) => "/var/lib/ceph/mon/ceph-" + Ceph.CheckName(name, "monitor name");

    public static string MgrDirectory(string name) => "/var/lib/ceph/mgr/ceph-" + Ceph.CheckName(name, "manager name");

    /// <summary>
    /// After the host's last OSD: removes its monitors and managers (the one named
    /// <paramref name="monName"/>, as the deployment names both after the host, and any other
    /// whose data directory the host holds), then the CRUSH host bucket. Each monitor leaves the
    /// monitor map while its daemon still runs, and is read back gone before the daemon is stopped
    /// and its data removed: a stopped monitor left in the map would count against the quorum and
    /// keep the cluster in MON_DOWN for good. Each part is skipped when it is already gone, so it
    /// resumes too. Refuses while the bucket still holds OSDs or when the monitors would lose quorum.
    /// </summary>
    public async Task<IReadOnlyList<RemovalStep>> RemoveHostAsync(Ceph ceph, RemoteHost host, string hostBucket,
        string? monName, IProgress<string>? progress,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ceph);
        ArgumentNullException.ThrowIfNull(host);
        Ceph.CheckName(hostBucket, "CRUSH host");
        var steps = new List<RemovalStep>();
        void Step(string step, bool skipped, string detail)
        {
            var s = new RemovalStep(step, skipped, detail);
            steps.Add(s);
            progress?.Report($"host {hostBucket}: {s}");
        }

        var tree = await ceph.OsdTreeAsync(ct).ConfigureAwait(false);
        if (tree.OsdsOnHost(hostBucket) is { Count: > 0 } left)
            throw new PreconditionFailedException($"CRUSH host {hostBucket} still holds " +
                $"{string.Join(", ", left.Select(o => o.Name))}; " +
                "remove those OSDs (one at a time, OSD-safe) before the host.");

        var onHost = await MonitorsOnHostAsync(host, ct).ConfigureAwait(false);
        foreach (var name in MonitorsToRemove(monName, onHost))
            await RemoveMonAndMgrAsync(ceph, host, name, Step, ct).ConfigureAwait(false);

        var crush = tree.FindBucket(hostBucket) is null
            ? RemovalOutcome.AlreadyAbsent
            : await ceph.OsdCrushRemoveAsync(hostBucket, ct).ConfigureAwait(false);
        Step("crush", crush == RemovalOutcome.AlreadyAbsent,
            crush == RemovalOutcome.Removed ? $"removed host bucket {hostBucket}" :
            $"host bucket {hostBucket} is already gone");
        return steps;
    }

    /// <summary>
    /// The monitor named for the host first, then any other the host holds data for (sorted, each once).
    /// </summary>
    public static IReadOnlyList<string> MonitorsToRemove(string? monName, IEnumerable<string> onHost) =>
        (monName is null ? [] : new[] { monName }).Concat(onHost.Order(StringComparer.Ordinal))
            .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Monitor names from the host's /var/lib/ceph/mon/ceph-NAME directories (cluster name `ceph`).</summary>
    private async Task<IReadOnlyList<string>> MonitorsOnHostAsync(RemoteHost host, CancellationToken ct)
    {
        var names = await HostFiles.ListNames("/var/lib/ceph/mon", "ceph-*").RunAsync(host, HostCommandTimeout, ct)
            .ConfigureAwait(false);
        // No directory at all (a host that never ran a monitor, or already cleaned): nothing there.
        if (names is null) return [];
        return names.Select(d => d["ceph-".Length..])
            .Where(n => n.Length > 0 && !n.StartsWith('-') && !n.Any(char.IsWhiteSpace)).ToList();
    }

    private async Task RemoveMonAndMgrAsync(Ceph ceph, RemoteHost host, string name, Action<string, bool, string> step,
        CancellationToken ct)
    {
        var map = await ceph.MonDumpAsync(ct).ConfigureAwait(false);
        if (RemovalPreflight.QuorumProblem(map, name) is { } problem)
            throw new PreconditionFailedException($"not removing monitor {name} from the cluster (read on " +
                $"{ceph.Host.Name}): {problem}");

        // Out of the map first, while every other monitor is still counted: the quorum the check above
        // found is a majority of the map without it. Stopping first would leave a down monitor in the
        // map, and with one more monitor out the remaining ones could not commit the removal at all.
        var mon = map.Find(name) is null ? RemovalOutcome.AlreadyAbsent : await ceph.MonRemoveAsync(name, ct)
            .ConfigureAwait(false);
        await WaitMonGoneAsync(ceph, name, ct).ConfigureAwait(false);
        step("mon remove", mon == RemovalOutcome.AlreadyAbsent,
            mon == RemovalOutcome.Removed ? $"monitor {name} removed from the monitor map" :
            $"monitor {name} is not in the monitor map");

        string[] units = ["ceph-mon@" + name, "ceph-mgr@" + name];
        string[] dirs = [MonDirectory(name), MgrDirectory(name)];
        var read = new ToolBatch(stopOnFailure: false);
        var shown = read.Add(Systemd.Show(units));
        var exists = dirs.Select(d => read.Add(HostFiles.Exists(d))).ToList();
        await read.RunAsync(host, HostCommandTimeout, ct).ConfigureAwait(false);
        var running = shown.Value.Where(u => u.IsActive || u.IsEnabled).Select(u => u.Id).ToList();
        if (running.Count > 0)
        {
            var stop = new ToolBatch();
            foreach (var u in running) stop.Add(Systemd.Disable(u, now: true));
            await stop.RunCheckedAsync(host, HostCommandTimeout, ct).ConfigureAwait(false);
        }
        step("stop", running.Count == 0,
            running.Count > 0 ? $"stopped and disabled {string.Join(", ", running)} on {host.Name}" :
            $"no monitor or manager running for {name} on {host.Name}");

        // A stopped standby stays in the manager map for the beacon grace (30 s); dropped now, `ceph -s` is right when
        // the removal returns.
        var mgr = await ceph.MgrFailAsync(name, ct).ConfigureAwait(false);
        step("mgr fail", mgr == RemovalOutcome.AlreadyAbsent,
            mgr == RemovalOutcome.Removed ? $"manager {name} dropped from the manager map" :
            $"manager {name} is not in the manager map");
        var key = await ceph.AuthDelAsync("mgr." + name, ct).ConfigureAwait(false);
        step("mgr key", key == RemovalOutcome.AlreadyAbsent,
            key == RemovalOutcome.Removed ? $"deleted the key of mgr.{name}" : $"mgr.{name} has no key");

        var present = dirs.Where((_, i) => exists[i].Value).ToList();
        if (present.Count > 0)
        {
            // One command in a batch of one: sent as a script, as the removal always was.
            var remove = new ToolBatch();
            remove.Add(HostFiles.RemoveTrees(present));
            await remove.RunCheckedAsync(host, HostCommandTimeout, ct).ConfigureAwait(false);
        }
        step("data directories", present.Count == 0,
            present.Count > 0 ? $"removed {string.Join(", ", present)}" : "already gone");
    }

    /// <summary>
    /// Reads the map back until <paramref name="name"/> is out of it: the daemon and its data stay until Ceph shows
    /// that.
    /// </summary>
    private async Task WaitMonGoneAsync(Ceph ceph, string name, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var map = await ceph.MonDumpAsync(ct).ConfigureAwait(false);
            if (map.Find(name) is null) return;
            if (clock.Elapsed >= MonGoneLimit)
                throw new ProviderException($"`ceph mon remove {name}` returned, but monitor {name} is still in the " +
                    $"monitor map (epoch {map.Epoch}, read on {ceph.Host.Name}) " +
                    $"{Durations.Format(MonGoneLimit)} later; its daemon and data were left alone. Check `ceph mon " +
                        $"dump` and `ceph -s`, then run again.");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }
}
