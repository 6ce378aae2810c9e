using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Where an OSD lives, for the preview: the host that runs it, its data device, and whether that device is wiped
/// afterwards.
/// </summary>
public sealed record OsdPlacement(string Host, string? Device, bool WipeDevice = false);

/// <summary>
/// The steps an OSD-safe removal will take, in the order <see cref="OsdRemoval"/> takes them, as
/// lines for the preview. Pure: the resource passes what it knows (placements from its state, the
/// current OSD tree when it could read one) and nothing is changed.
/// </summary>
public static class RemovalPlan
{
    public const string Preflight = "preflight: HEALTH_OK; every pool keeps enough hosts for its size; usage stays " +
        "below nearfull; monitor quorum survives";

    /// <param name="request">What is removed.</param>
    /// <param name="placements">Host and device per OSD id, when known.</param>
    /// <param name="current">The OSD tree as read now; with it, OSDs already purged or out (an interrupted removal)
    /// show the shorter path they will take.</param>
    public static IReadOnlyList<string> Describe(RemovalRequest request,
        IReadOnlyDictionary<int, OsdPlacement>? placements = null, OsdTree? current = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var lines = new List<string> { Preflight };
        foreach (var id in request.OsdIds.Distinct())
        {
            var place = placements is not null && placements.TryGetValue(id, out var p) ? p : null;
            var where = place is null ? "" : place.Device is null ? $" ({place.Host})" :
                $" ({place.Host} {place.Device})";
            var osd = current?.FindOsd(id);
            var steps = new List<string>();
            if (current is not null && osd is null) steps.Add("already purged");
            else
            {
                steps.Add(osd is { In: false } ? "already out" : "out");
                steps.Add("wait for PGs active+clean");
                steps.Add("safe-to-destroy");
                if (osd is not { Up: false }) steps.Add("ok-to-stop");
            }
            steps.Add($"stop and disable {OsdRemoval.Unit(id)}");
            if (current is null || osd is not null) steps.Add("purge");
            steps.Add($"remove {OsdRemoval.DataDirectory(id)}");
            if (place is { WipeDevice: true, Device: { } dev }) steps.Add($"wipe {dev}");
            lines.Add($"osd.{id}{where}: {string.Join(" → ", steps)}");
        }
        if (request.MonName is { } mon)
            lines.Add($"mon {mon}: ceph mon remove {mon} (read back gone), then stop and disable ceph-mon@{mon} and " +
                $"ceph-mgr@{mon}, ceph mgr fail {mon}, delete mgr.{mon}'s key, remove their data directories");
        if (request.HostBucket is { } host)
            lines.Add($"crush: remove host {host}");
        return lines;
    }
}
