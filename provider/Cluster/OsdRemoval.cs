using System.Diagnostics;
using System.Globalization;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// One step of a removal as it went: done now, or skipped because the cluster or host already showed it done.
/// </summary>
public sealed record RemovalStep(string Name, bool Skipped, string Detail)
{
    public override string ToString() => Skipped ? $"{Name}: skipped ({Detail})" : $"{Name}: {Detail}";
}

/// <summary>
/// Removes one OSD without losing redundancy: out → wait until its PGs moved and Ceph says
/// safe-to-destroy → ok-to-stop → stop and disable the daemon → purge → clean the host. Every step
/// first reads what is true now, so running it again after an interruption (a cancelled `up`, a
/// lost connection) continues where it stopped, and an OSD that is already purged only gets its
/// host cleaned up.
/// <para>
/// ok-to-stop guards the stop, not the `out`: marking an OSD out takes nothing offline (it keeps
/// serving while Ceph copies its PGs away), whereas ok-to-stop before the drain says "no" for as
/// long as a single-copy pool has PGs on it. After the drain it is the last check before the
/// daemon goes down.
/// </para>
/// </summary>
public sealed partial class OsdRemoval
{
    /// <summary>ok-to-stop reads PG states that lag safe-to-destroy by moments; how long to keep asking.</summary>
    public TimeSpan OkToStopLimit { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the monitors may take to mark the stopped OSD down before purge.</summary>
    public TimeSpan DownLimit { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a removed monitor may still show in the map (a commit during an election) before the removal stops.
    /// </summary>
    public TimeSpan MonGoneLimit { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Bound for each command on the OSD's host (systemctl, umount, wipefs).</summary>
    public TimeSpan HostCommandTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public static string DataDirectory(int osdId) => "/var/lib/ceph/osd/ceph-" + Ceph.OsdId(osdId);

    public static string Unit(int osdId) => "ceph-osd@" + Ceph.OsdId(osdId);

    /// <summary>
    /// Removes osd.<paramref name="osdId"/>, whose daemon runs on <paramref name="osdHost"/>. With
    /// <paramref name="wipeDevice"/> the data device is wiped at the end (its BlueStore label
    /// removed, so ceph-volume can use it again); a device that carries another OSD is refused.
    /// <paramref name="drainLimit"/> bounds the wait for Ceph to move the OSD's data.
    /// </summary>
    public async Task<IReadOnlyList<RemovalStep>> RemoveAsync(Ceph ceph, RemoteHost osdHost, int osdId,
        string? wipeDevice, IProgress<string>? progress,
        TimeSpan drainLimit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ceph);
        ArgumentNullException.ThrowIfNull(osdHost);
        var name = "osd." + Ceph.OsdId(osdId);
        var steps = new List<RemovalStep>();
        void Step(string step, bool skipped, string detail)
        {
            var s = new RemovalStep(step, skipped, detail);
            steps.Add(s);
            progress?.Report($"{name}: {s}");
        }

        var osd = (await ceph.OsdTreeAsync(ct).ConfigureAwait(false)).FindOsd(osdId);
        if (osd is null) Step("purge", true, "no longer in the OSD map");
        else
        {
            if (osd.In)
            {
                await ceph.OsdOutAsync(osdId, ct).ConfigureAwait(false);
                Step("out", false, "marked out; Ceph moves its PGs to the other OSDs");
            }
            else Step("out", true, "already out");

            var clock = Stopwatch.StartNew();
            await ceph.WaitForOsdsDrainedAsync([osdId], drainLimit, PgProgress(name, progress), ct, PollInterval)
                .ConfigureAwait(false);
            Step("drain", false, string.Create(CultureInfo.InvariantCulture,
                $"PGs active+clean, safe-to-destroy and none left on the OSD after {clock.Elapsed.TotalSeconds:0.#} s"));

            if (osd.Up) await WaitOkToStopAsync(ceph, osdId, ct).ConfigureAwait(false);
            Step("ok-to-stop", !osd.Up, osd.Up ? "yes" : "the daemon is already down");
        }

        var before = await ReadHostAsync(osdHost, osdId, ct).ConfigureAwait(false);
        if (before.Unit.IsActive || before.Unit.IsEnabled)
        {
            await new Systemd(osdHost).DisableAsync(Unit(osdId), now: true, HostCommandTimeout, ct)
                .ConfigureAwait(false);
            Step("stop", false, $"stopped and disabled {Unit(osdId)} on {osdHost.Name}");
        }
        else Step("stop", true, $"{Unit(osdId)} on {osdHost.Name} is already stopped and disabled");

        if (osd is not null)
        {
            await WaitDownAsync(ceph, osdId, osdHost.Name, ct).ConfigureAwait(false);
            var purged = await ceph.OsdPurgeAsync(osdId, ct).ConfigureAwait(false);
            Step("purge", purged == RemovalOutcome.AlreadyAbsent,
                purged == RemovalOutcome.Removed ? "removed from CRUSH, auth and the OSD map" : "already gone");
        }

        await CleanHostAsync(osdHost, osdId, before, wipeDevice, Step, ct).ConfigureAwait(false);
        return steps;
    }

    private async Task WaitOkToStopAsync(Ceph ceph, int osdId, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await ceph.OsdOkToStopAsync([osdId], ct).ConfigureAwait(false);
            if (answer.Ok) return;
            if (clock.Elapsed >= OkToStopLimit)
                throw new PreconditionFailedException($"Ceph (asked on {ceph.Host.Name}) still says osd.{osdId} is " +
                    $"not ok to stop after {Durations.Format(OkToStopLimit)}, " +
                    $"although it is drained: {answer.Reason}. Nothing was stopped; check `ceph health detail` and " +
                        $"`ceph osd ok-to-stop {osdId}`, then run again.");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    private async Task WaitDownAsync(Ceph ceph, int osdId, string host, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // The daemon reports its own shutdown to the monitors; purge refuses (EBUSY) until the map shows it down.
        while ((await ceph.OsdTreeAsync(ct).ConfigureAwait(false)).FindOsd(osdId) is { Up: true })
        {
            if (clock.Elapsed >= DownLimit)
                throw new PreconditionFailedException($"osd.{osdId} is still up in the OSD map " +
                    $"{Durations.Format(DownLimit)} after {Unit(osdId)} was stopped on {host}. " +
                    $"Check whether another host runs osd.{osdId} (`ceph osd find {osdId}`), then run again.");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What the OSD's host holds for it: the unit's state and whether the data directory exists and is mounted.
    /// </summary>
    internal sealed record HostSide(UnitStatus Unit, bool Mounted, bool DirectoryExists);

    private async Task<HostSide> ReadHostAsync(RemoteHost host, int osdId, CancellationToken ct)
    {
        var dir = DataDirectory(osdId);
        var batch = new ToolBatch(stopOnFailure: false);
        var unit = batch.Add(Systemd.Show([Unit(osdId)]));
        var mounted = batch.Add(HostFiles.IsMountPoint(dir));
        var exists = batch.Add(HostFiles.Exists(dir));
        await batch.RunAsync(host, HostCommandTimeout, ct).ConfigureAwait(false);
        return new HostSide(unit.Value.Single(), mounted.Value, exists.Value);
    }

    private async Task CleanHostAsync(RemoteHost host, int osdId, HostSide state, string? wipeDevice,
        Action<string, bool, string> step, CancellationToken ct)
    {
        var dir = DataDirectory(osdId);
        var volume = new CephVolume(host);
        string? device = null;
        if (wipeDevice is not null)
        {
            device = await volume.ResolveDeviceAsync(wipeDevice, ct).ConfigureAwait(false);
            // Wiping is irreversible: only this OSD's device, or one that carries no OSD any more.
            var other = (await volume.RawListAsync(device, ct).ConfigureAwait(false))
                .FirstOrDefault(o => o.OsdId != osdId);
            if (other is not null)
                throw new PreconditionFailedException($"{wipeDevice} ({device}) on {host.Name} carries {other.Name} " +
                    $"(cluster {other.ClusterFsid}), not osd.{osdId}; " +
                    "it was not wiped. Check the host's dataDevices.");
        }

        var act = new ToolBatch();
        if (state.Mounted) act.Add(HostFiles.Unmount(dir));
        if (state.DirectoryExists) act.Add(HostFiles.RemoveTrees([dir]));
        if (device is not null) act.Add(HostFiles.WipeSignatures(device));
        if (act.Count > 0) await act.RunCheckedAsync(host, HostCommandTimeout, ct).ConfigureAwait(false);
        step("data directory", !state.DirectoryExists,
            state.DirectoryExists ? $"{(state.Mounted ? "unmounted and " : "")}removed {dir}" :
            $"{dir} is already gone");

        if (device is null) return;
        if ((await volume.RawListAsync(device, ct).ConfigureAwait(false)).FirstOrDefault() is { } left)
            throw new ProviderException($"`wipefs -a {device}` on {host.Name} ran, but ceph-volume still finds " +
                $"{left.Name} on it; wipe it by hand " +
                $"(`ceph-volume lvm zap {device}`) before reusing the disk.");
        step("wipe", false,
            $"wiped {wipeDevice}{(device == wipeDevice ? "" : $" ({device})")}; no BlueStore label left");
    }

    private static IProgress<PgSummary>? PgProgress(string name, IProgress<string>? progress)
    {
        if (progress is null) return null;
        string? last = null;
        return new Relay(pgs =>
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{name}: {pgs.ActiveCleanPercent:0.#}% of PGs active+clean");
            // The engine's status line only needs changes, not one identical line per poll.
            if (line != last) progress.Report(line);
            last = line;
        });
    }

    private sealed class Relay(Action<PgSummary> report) : IProgress<PgSummary>
    {
        public void Report(PgSummary value) => report(value);
    }
}
