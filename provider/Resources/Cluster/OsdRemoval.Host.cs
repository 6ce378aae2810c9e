using Mvm.Framework;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

public sealed partial class OsdRemoval
{
    public static string MonDirectory(string name) => "/var/lib/ceph/mon/ceph-" + Ceph.CheckName(name, "monitor name");

    public static string MgrDirectory(string name) => "/var/lib/ceph/mgr/ceph-" + Ceph.CheckName(name, "manager name");

    /// <summary>
    /// After the host's last OSD: stops and disables its monitor and manager (named
    /// <paramref name="monName"/>, as the deployment names both after the host), removes the
    /// monitor from the monitor map and the manager's key, removes the CRUSH host bucket and the
    /// daemons' data directories. Each part is skipped when it is already gone, so it resumes too.
    /// Refuses while the bucket still holds OSDs or when the monitors would lose quorum.
    /// </summary>
    public async Task<IReadOnlyList<RemovalStep>> RemoveHostAsync(Ceph ceph, IHost host, string hostBucket, string? monName, IProgress<string>? progress,
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
            throw new PreconditionFailedException($"CRUSH host {hostBucket} still holds {string.Join(", ", left.Select(o => o.Name))}; " +
                "remove those OSDs (one at a time, OSD-safe) before the host.");

        if (monName is not null) await RemoveMonAndMgrAsync(ceph, host, monName, Step, ct).ConfigureAwait(false);

        var crush = tree.FindBucket(hostBucket) is null
            ? RemovalOutcome.AlreadyAbsent
            : await ceph.OsdCrushRemoveAsync(hostBucket, ct).ConfigureAwait(false);
        Step("crush", crush == RemovalOutcome.AlreadyAbsent, crush == RemovalOutcome.Removed ? $"removed host bucket {hostBucket}" : $"host bucket {hostBucket} is already gone");
        return steps;
    }

    private async Task RemoveMonAndMgrAsync(Ceph ceph, IHost host, string name, Action<string, bool, string> step, CancellationToken ct)
    {
        var map = await ceph.MonDumpAsync(ct).ConfigureAwait(false);
        if (RemovalPreflight.QuorumProblem(map, name) is { } problem)
            throw new PreconditionFailedException($"not removing monitor {name} from the cluster (read on {ceph.Host.Name}): {problem}");

        string[] units = ["ceph-mon@" + name, "ceph-mgr@" + name];
        string[] dirs = [MonDirectory(name), MgrDirectory(name)];
        var read = await new RemoteScript { StopOnFailure = false }
            .Add(Systemd.ShowArgv(units))
            .Add(["test", "-e", dirs[0]])
            .Add(["test", "-e", dirs[1]])
            .RunAsync(host, HostCommandTimeout, ct).ConfigureAwait(false);
        var running = Systemd.ParseShow(Systemd.Check(read[0]!, null).StdoutText).Where(u => u.IsActive || u.IsEnabled).Select(u => u.Id).ToList();

        if (running.Count > 0)
        {
            var stop = new RemoteScript();
            // Stopped before `mon remove`: a running monitor that is dropped from the map keeps calling elections.
            foreach (var u in running) stop.Add(["systemctl", "disable", "--now", "--", u]);
            (await stop.RunAsync(host, HostCommandTimeout, ct).ConfigureAwait(false)).EnsureSuccess();
        }
        step("stop", running.Count == 0, running.Count > 0 ? $"stopped and disabled {string.Join(", ", running)} on {host.Name}" : $"no monitor or manager running for {name} on {host.Name}");

        var mon = map.Find(name) is null ? RemovalOutcome.AlreadyAbsent : await ceph.MonRemoveAsync(name, ct).ConfigureAwait(false);
        step("mon remove", mon == RemovalOutcome.AlreadyAbsent, mon == RemovalOutcome.Removed ? $"monitor {name} removed from the monitor map" : $"monitor {name} is not in the monitor map");
        var key = await ceph.AuthDelAsync("mgr." + name, ct).ConfigureAwait(false);
        step("mgr key", key == RemovalOutcome.AlreadyAbsent, key == RemovalOutcome.Removed ? $"deleted the key of mgr.{name}" : $"mgr.{name} has no key");

        var present = dirs.Where((_, i) => read[i + 1]!.ExitCode == 0).ToList();
        if (present.Count > 0) (await new RemoteScript().Add(["rm", "-rf", "--", .. present]).RunAsync(host, HostCommandTimeout, ct).ConfigureAwait(false)).EnsureSuccess();
        step("data directories", present.Count == 0, present.Count > 0 ? $"removed {string.Join(", ", present)}" : "already gone");
    }
}
