using System.Text.RegularExpressions;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Which health checks waiting cannot clear. Ceph reports many passing states (PGs peering, an
/// OSD booting, a monitor restarting) that HEALTH_OK follows on its own; these are the ones that
/// need a person or another command, so a wait for HEALTH_OK should stop and say so instead of
/// running out its whole limit. Pure: it reads a `ceph health detail` report only.
/// </summary>
public static partial class HealthTriage
{
    /// <summary>
    /// Checks that stay until someone acts: full or nearly full storage and monitor disks, a crash
    /// report (kept for two weeks unless archived), settings that only a config change clears.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NeedsAction = new Dictionary<string,
        string>(StringComparer.Ordinal)
    {
        ["MON_DISK_LOW"] = "free space on a monitor's disk; then `ceph health detail` shows which",
        ["MON_DISK_CRIT"] = "free space on a monitor's disk at once",
        ["OSD_FULL"] = "add OSDs or delete data",
        ["OSD_NEARFULL"] = "add OSDs or delete data",
        ["OSD_BACKFILLFULL"] = "add OSDs or delete data",
        ["POOL_FULL"] = "raise the pool's quota or delete data",
        ["POOL_NEARFULL"] = "raise the pool's quota or delete data",
        ["RECENT_CRASH"] = "look at `ceph crash ls`, then `ceph crash archive-all`",
        ["RECENT_MGR_MODULE_CRASH"] = "look at `ceph crash ls`, then `ceph crash archive-all`",
        ["AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED"] = "`ceph config set mon auth_allow_insecure_global_id_reclaim " +
            "false`",
        ["POOL_NO_REDUNDANCY"] = "set the pool's size to 2 or more",
        ["TOO_FEW_OSDS"] = "add OSDs, or lower osd_pool_default_size",
    };

    /// <summary>
    /// Why waiting will not bring HEALTH_OK, or null while it may. <paramref name="departedMonitors"/>
    /// are monitors whose hosts left the cluster: MON_DOWN for one of them lasts until it is removed
    /// from the monitor map, which no wait does. <paramref name="heldFor"/> says how long each code
    /// has been present without a break; codes in <see cref="NeedsAction"/> count once they held
    /// <paramref name="grace"/> (a moment of OSD_NEARFULL during a rebalance passes).
    /// </summary>
    public static string? Hopeless(HealthReport detail, IReadOnlyCollection<string> departedMonitors,
        IReadOnlyDictionary<string, TimeSpan> heldFor, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var reasons = new List<string>();
        if (detail.Find("MON_DOWN") is { Muted: false } monDown)
        {
            var gone = DownMonitors(monDown).Where(departedMonitors.Contains).ToList();
            if (gone.Count > 0)
                reasons.Add($"MON_DOWN for {string.Join(", ", gone.Select(m => "mon." + m))}, whose host left the " +
                    $"cluster: it is still in the monitor map " +
                    $"and will not come back (remove it: `ceph mon remove {gone[0]}`, then run again)");
        }
        foreach (var c in detail.Checks.Where(c => !c.Muted && NeedsAction.ContainsKey(c.Code)))
            if (heldFor.TryGetValue(c.Code, out var held) && held >= grace)
                reasons.Add($"{c.Code} ({c.Summary}) for {held.TotalSeconds:0} s: {NeedsAction[c.Code]}");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>
    /// Monitor names from MON_DOWN's detail lines, `mon.h5 (rank 0) addr [v2:…] is down (out of quorum)`.
    /// </summary>
    public static IReadOnlyList<string> DownMonitors(HealthCheck monDown) =>
        monDown.Details.Select(d => MonDownLine().Match(d)).Where(m => m.Success).Select(m => m.Groups[1].Value)
            .Distinct().ToList();

    [GeneratedRegex(@"\Amon\.(\S+) \(rank \d+\).* is down")]
    private static partial Regex MonDownLine();
}
