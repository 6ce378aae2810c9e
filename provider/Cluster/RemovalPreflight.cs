using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// What an OSD-safe removal takes out of the cluster: some OSDs, and when a whole host leaves, its
/// CRUSH host bucket and its monitor.
/// </summary>
/// <param name="OsdIds">The OSDs to remove, one at a time in this order. Ids no longer in the OSD map are already
/// done.</param>
/// <param name="HostBucket">The CRUSH host removed entirely, or null when only single disks go.</param>
/// <param name="MonName">The monitor removed with the host, or null.</param>
public sealed record RemovalRequest(IReadOnlyList<int> OsdIds, string? HostBucket, string? MonName)
{
    public static RemovalRequest Disks(params int[] osdIds) => new(osdIds, null, null);
}

/// <summary>The cluster as the preflight read it: one reading of each, so every check judges the same moment.</summary>
public sealed record RemovalFacts(HealthReport Health, OsdTree Tree, OsdDf Df, OsdDump Dump,
    IReadOnlyList<CephPoolInfo> Pools, MonMap? Mons);

/// <summary>
/// Refuses an OSD removal that would hurt the cluster, with one plain reason per problem: the
/// cluster is not healthy, a pool would have fewer hosts than copies, the remaining OSDs would
/// fill past nearfull, or the monitors would lose quorum. Empty means safe to start (or resume).
/// </summary>
public static partial class RemovalPreflight
{
    public static async Task<IReadOnlyList<string>> CheckAsync(Ceph ceph, RemovalRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ceph);
        ArgumentNullException.ThrowIfNull(request);
        // Independent reads: run them together (one SSH connection, parallel channels).
        var health = ceph.HealthDetailAsync(ct);
        var tree = ceph.OsdTreeAsync(ct);
        var df = ceph.OsdDfAsync(ct);
        var dump = ceph.OsdDumpAsync(ct);
        var pools = ceph.PoolListAsync(ct);
        var mons = request.MonName is null ? Task.FromResult<MonMap?>(null) : MonsAsync(ceph, ct);
        await Task.WhenAll(health, tree, df, dump, pools, mons).ConfigureAwait(false);
        return Evaluate(request,
            new RemovalFacts(health.Result, tree.Result, df.Result, dump.Result, pools.Result, mons.Result),
            ceph.Host.Name);

        static async Task<MonMap?> MonsAsync(Ceph c, CancellationToken t) =>
            await c.MonDumpAsync(t).ConfigureAwait(false);
    }

    /// <summary>
    /// The checks themselves, over one reading of the cluster (pure, so they are tested on captured output).
    /// </summary>
    public static IReadOnlyList<string> Evaluate(RemovalRequest request, RemovalFacts facts, string host)
    {
        var reasons = new List<string>();
        CheckIds(request, facts.Tree, reasons);
        CheckHealth(request, facts.Health, host, reasons);
        var remaining = RemainingHosts(request, facts.Tree);
        CheckPools(facts.Pools, remaining, reasons);
        CheckUsage(request, facts.Tree, facts.Df, facts.Dump, reasons);
        if (request.MonName is { } mon && facts.Mons is { } map && QuorumProblem(map, mon) is { } q) reasons.Add(q);
        return reasons;
    }

    /// <summary>
    /// The CRUSH hosts that still hold an OSD that is up, in and weighted after the removal: with
    /// host as the failure domain, a pool can place at most one copy on each.
    /// </summary>
    public static IReadOnlyList<string> RemainingHosts(RemovalRequest request, OsdTree tree) =>
        tree.Osds.Where(o => o.Up && o.In && o.CrushWeight > 0 && o.Host is not null &&
            !request.OsdIds.Contains(o.Id) && o.Host != request.HostBucket)
            .Select(o => o.Host!).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Null when removing <paramref name="mon"/> keeps a quorum: the monitors that stay and are in
    /// quorum now must be a majority of the monitor map without it. A monitor already gone from the
    /// map changes nothing.
    /// </summary>
    public static string? QuorumProblem(MonMap map, string mon)
    {
        if (map.Find(mon) is not { } leaving) return null;
        var left = map.Mons.Count - 1;
        var inQuorum = map.Mons.Count(m => m.Name != mon && map.Quorum.Contains(m.Rank));
        var majority = left / 2 + 1;
        if (left == 0)
            return $"monitor {mon} is the cluster's only monitor; removing it would leave none. Add a monitor on " +
                $"another host first.";
        if (inQuorum >= majority) return null;
        var outside = map.Mons.Where(m => m.Name != mon && !map.Quorum.Contains(m.Rank)).Select(m => m.Name).ToList();
        return $"removing monitor {mon} (rank {leaving.Rank}) would leave {inQuorum} of {left} monitors in quorum, " +
            $"and a quorum needs {majority}" +
            (outside.Count > 0 ? $" ({string.Join(", ", outside)} out of quorum now: bring them back first)" :
                "; add a monitor on another host first") + ".";
    }

    private static void CheckIds(RemovalRequest request, OsdTree tree, List<string> reasons)
    {
        foreach (var id in request.OsdIds.Distinct())
        {
            if (id < 0)
            {
                reasons.Add($"{id} is not an OSD id (negative ids are CRUSH buckets such as hosts); name OSDs by " +
                    $"their number, e.g. 3 for osd.3.");
                continue;
            }
            // Not in the map: already purged (an interrupted removal got that far), nothing to do.
            if (tree.FindOsd(id) is not { } osd) continue;
            if (request.HostBucket is { } hb && osd.Host is { } h && h != hb)
                reasons.Add($"osd.{id} sits under CRUSH host {h}, not {hb}, which is the host being removed; remove " +
                    $"it separately.");
        }
        if (request.HostBucket is not { } bucket || tree.FindBucket(bucket) is not { } b) return;
        if (b.Type != "host")
        {
            reasons.Add($"CRUSH bucket {bucket} is a {b.Type}, not a host; only host buckets are removed with their " +
                $"host.");
            return;
        }
        var left = tree.OsdsOnHost(bucket).Where(o => !request.OsdIds.Contains(o.Id)).Select(o => o.Name).ToList();
        if (left.Count > 0)
            reasons.Add($"CRUSH host {bucket} also holds {string.Join(", ", left)}, which this removal does not " +
                $"include; a host leaves only with all of its OSDs.");
    }

    private static void CheckHealth(RemovalRequest request, HealthReport health, string host, List<string> reasons)
    {
        if (health.IsOk) return;
        // Muted checks are the admin's known exceptions; checks this very removal caused (its OSDs
        // stopped, its monitor stopped) must not block resuming it.
        var blocking = health.Checks.Where(c => !c.Muted && !CausedByRemoval(c, request)).ToList();
        if (blocking.Count == 0 && health.Checks.Count > 0) return;
        var list = blocking.Count == 0 ? "no health checks listed" :
            string.Join("; ", blocking.Select(c => $"{c.Code} ({c.Summary})"));
        reasons.Add($"Ceph health (read on {host}) is {health.Status}, not HEALTH_OK: {list}. Resolve these first " +
            $"(`ceph health detail`), then run again.");
    }

    /// <summary>True when every detail line of the check names only what this removal takes away.</summary>
    internal static bool CausedByRemoval(HealthCheck check, RemovalRequest request)
    {
        if (check.Details.Count == 0) return false;
        Func<string, bool> ours = check.Code switch
        {
            "OSD_DOWN" => d => OsdDetail()
                .Match(d) is { Success: true } m &&
                request.OsdIds.Contains(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)),
            "OSD_HOST_DOWN" => d => HostDetail()
                .Match(d) is { Success: true } m && m.Groups[1].Value == request.HostBucket,
            "MON_DOWN" => d => MonDetail().Match(d) is { Success: true } m && m.Groups[1].Value == request.MonName,
            _ => _ => false,
        };
        return check.Details.All(ours);
    }

    private static void CheckPools(IReadOnlyList<CephPoolInfo> pools, IReadOnlyList<string> remaining,
        List<string> reasons)
    {
        var hosts = remaining.Count == 0 ? "none" : string.Join(", ", remaining);
        foreach (var p in pools.Where(p => p.Size > remaining.Count))
        {
            // For an erasure-coded pool `size` is k+m: every chunk needs a host of its own.
            var copies = p.Type == CephPoolType.Erasure ? $"{p.Size} erasure-coded chunks (k+m = {p.Size})" :
                $"{p.Size} {(p.Size == 1 ? "copy" : "copies")} (size {p.Size})";
            reasons.Add($"pool \"{p.Name}\" keeps {copies}, one per host, but only {remaining.Count} host(s) would " +
                $"remain with OSDs up and in ({hosts}). " +
                "Add a host or lower the pool's size first.");
        }
    }

    private static void CheckUsage(RemovalRequest request, OsdTree tree, OsdDf df, OsdDump dump, List<string> reasons)
    {
        bool Leaving(int id) => request.OsdIds.Contains(id) ||
            (request.HostBucket is { } hb && tree.FindOsd(id)?.Host == hb);
        var used = df.Osds.Sum(o => o.UsedBytes);
        var capacityNow = df.Osds.Where(o => o.Reweight > 0).Sum(o => o.SizeBytes);
        var capacityAfter = df.Osds.Where(o => o.Reweight > 0 && !Leaving(o.Id)).Sum(o => o.SizeBytes);
        if (used == 0) return;
        if (capacityAfter == 0)
        {
            reasons.Add($"no OSD would remain in to hold the {Bytes(used)} of raw data now stored.");
            return;
        }
        // Conservative: the leaving OSDs' own BlueStore metadata also goes away, and Ceph's nearfull
        // is per OSD, so an uneven spread warns earlier than this average does.
        var after = (double)used / capacityAfter;
        if (after < dump.NearfullRatio) return;
        var now = capacityNow > 0 ? (double)used / capacityNow : 0;
        reasons.Add(string.Create(CultureInfo.InvariantCulture,
            $"raw usage would rise from {now * 100:0.0}% to {after * 100:0.0}% ({Bytes(used)} on " +
                $"{Bytes(capacityAfter)} remaining), at or above the nearfull ratio " +
                $"{dump.NearfullRatio * 100:0.#}%. ") +
            "Free space or add OSDs first.");
    }

    private static string Bytes(long b) => b >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):0.#} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1 << 20):0.#} MiB");

    // Ceph 16's detail lines: "osd.0 (root=default,host=h3) is down", "host h3 (root=default) (1 osds) is down",
    // "mon.h2 (rank 1) addr [v2:…] is down (out of quorum)".
    [GeneratedRegex(@"\Aosd\.(\d+) .*is down")]
    private static partial Regex OsdDetail();

    [GeneratedRegex(@"\Ahost (\S+) .*is down")]
    private static partial Regex HostDetail();

    [GeneratedRegex(@"\Amon\.(\S+) .*is down")]
    private static partial Regex MonDetail();
}
