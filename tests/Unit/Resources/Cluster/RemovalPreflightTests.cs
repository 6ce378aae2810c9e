using System.Globalization;
using Mvm.Cluster;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// The removal preflight over `ceph` output captured from the lab's Ceph 16.2.15 cluster. The lab
/// has one Ceph host, so the multi-host readings (…-3-hosts, …-size-3) are derived by hand from
/// captured ones; each such fixture says how in its "note".
/// </summary>
public class RemovalPreflightTests
{
    private const string V = "ceph-16.2.15-";

    /// <summary>A cluster answering each read with a fixture; anything else is an unexpected write.</summary>
    private static (Ceph Ceph, ClusterTestHost Host) Cluster(string tree = "osd-tree-3-hosts", string df = "osd-df-3-hosts", string health = "health-detail-ok",
        string pools = "osd-pool-ls-detail", string mons = "mon-dump")
    {
        var answers = new Dictionary<string, string>
        {
            ["health detail"] = health, ["osd tree"] = tree, ["osd df"] = df, ["osd dump"] = "osd-dump",
            ["osd pool ls detail"] = pools, ["mon dump"] = mons,
        };
        var host = new ClusterTestHost(argv =>
        {
            var words = string.Join(' ', argv.Skip(3).SkipLast(2));
            return answers.TryGetValue(words, out var f) ? CapturedRun.Load(V + f).As(argv) : throw new InvalidOperationException("unexpected command: " + string.Join(' ', argv));
        });
        return (new Ceph(host), host);
    }

    [Fact]
    public async Task AHealthyClusterLosingOneOfFourOsdsPasses()
    {
        var (ceph, host) = Cluster();
        Assert.Empty(await RemovalPreflight.CheckAsync(ceph, RemovalRequest.Disks(1), default));
        // Only reads, each once: nothing was changed to find that out, and no monitor is leaving.
        Assert.Equal(["health detail", "osd df", "osd dump", "osd pool ls detail", "osd tree"],
            host.Commands.Select(c => string.Join(' ', c.Skip(3).SkipLast(2))).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HealthWarnIsRefusedWithTheChecksNamed()
    {
        var (ceph, _) = Cluster(health: "health-detail-pool-no-redundancy");
        var reason = Assert.Single(await RemovalPreflight.CheckAsync(ceph, RemovalRequest.Disks(1), default));
        Assert.StartsWith("Ceph health (read on h3) is HEALTH_WARN, not HEALTH_OK: POOL_NO_REDUNDANCY (2 pool(s) have no replicas configured).", reason);
    }

    [Fact]
    public async Task ChecksCausedByTheRemovalItselfDoNotBlockItsResume()
    {
        // Captured with osd.0, the only OSD of host h3, stopped: OSD_DOWN and OSD_HOST_DOWN name
        // exactly what this removal takes away; OSD_ROOT_DOWN (the whole root down) still blocks.
        var health = Ceph.ParseHealth(System.Text.Json.JsonDocument.Parse(CapturedRun.StdoutOf(V + "health-detail-osd-down")).RootElement);
        var ours = new RemovalRequest([0], "h3", null);
        Assert.True(RemovalPreflight.CausedByRemoval(health.Find("OSD_DOWN")!, ours));
        Assert.True(RemovalPreflight.CausedByRemoval(health.Find("OSD_HOST_DOWN")!, ours));
        Assert.False(RemovalPreflight.CausedByRemoval(health.Find("OSD_ROOT_DOWN")!, ours));
        Assert.False(RemovalPreflight.CausedByRemoval(health.Find("OSD_DOWN")!, RemovalRequest.Disks(1)));

        var (ceph, _) = Cluster(health: "health-detail-osd-down");
        var reasons = await RemovalPreflight.CheckAsync(ceph, RemovalRequest.Disks(0), default);
        var reason = Assert.Single(reasons, r => r.StartsWith("Ceph health", StringComparison.Ordinal));
        Assert.Contains(": OSD_HOST_DOWN (1 host (1 osds) down); OSD_ROOT_DOWN (1 root (1 osds) down).", reason);
        Assert.DoesNotContain("OSD_DOWN (", reason);
    }

    [Fact]
    public async Task ASize3PoolOnThreeHostsIsRefusedWhenAHostLeaves()
    {
        var (ceph, _) = Cluster(pools: "osd-pool-ls-detail-size-3");
        var reasons = await RemovalPreflight.CheckAsync(ceph, new RemovalRequest([1, 2], "h2", null), default);
        Assert.Equal(["pool \"t1\" keeps 3 copies (size 3), one per host, but only 2 host(s) would remain with OSDs up and in (h1, h3). Add a host or lower the pool's size first."],
            reasons);
        // One of h2's two disks alone leaves three hosts: fine.
        Assert.Empty(await RemovalPreflight.CheckAsync(ceph, RemovalRequest.Disks(1), default));
    }

    [Fact]
    public void AnOsdAlreadyOutOrDownDoesNotCountAsAHostThatRemains()
    {
        // Captured: osd.1 out and down, osd.0 up and in, both on h3.
        var tree = Ceph.ParseOsdTree(CapturedRun.StdoutOf(V + "osd-tree-one-out-down"));
        Assert.Equal(["h3"], RemovalPreflight.RemainingHosts(RemovalRequest.Disks(1), tree));
        Assert.Empty(RemovalPreflight.RemainingHosts(RemovalRequest.Disks(0), tree));
    }

    [Fact]
    public void UsageProjectedPastNearfullIsRefusedWithThePercentages()
    {
        var df = Ceph.ParseOsdDf(CapturedRun.StdoutOf(V + "osd-df-3-hosts"));
        var dump = Ceph.ParseOsdDump(CapturedRun.StdoutOf(V + "osd-dump"));
        Assert.Equal(0.85, dump.NearfullRatio, 6); // Ceph keeps it as a float: 0.85000002384185791
        var facts = Facts(df: df, dump: dump);
        // The lab's OSDs are 4.7 % full: losing one of four stays far below 85 %.
        Assert.Empty(RemovalPreflight.Evaluate(RemovalRequest.Disks(3), facts, "h3"));

        // A cluster whose admin set nearfull to 6 %: 4 × 290.7 MiB over the remaining 3 × 6 GiB is 6.3 %.
        var used = df.Osds.Sum(o => o.UsedBytes);
        double now = (double)used / df.Osds.Sum(o => o.SizeBytes), after = (double)used / df.Osds.Skip(1).Sum(o => o.SizeBytes);
        Assert.True(now < 0.06 && after >= 0.06);
        var reason = Assert.Single(RemovalPreflight.Evaluate(RemovalRequest.Disks(0), facts with { Dump = dump with { NearfullRatio = 0.06 } }, "h3"));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture,
            $"raw usage would rise from {now * 100:0.0}% to {after * 100:0.0}% (1.1 GiB on 18 GiB remaining), at or above the nearfull ratio 6%. Free space or add OSDs first."), reason);
    }

    [Fact]
    public void RemovingAMonitorMustLeaveAMajorityInQuorum()
    {
        var captured = Ceph.ParseMonDump(CapturedRun.StdoutOf(V + "mon-dump"));
        var h3 = captured.Mons[0];
        // Three monitors built from the captured one: h1 rank 0, h2 rank 1, h3 rank 2.
        MonMap Three(params int[] quorum) => captured with
        {
            Mons = [h3 with { Rank = 0, Name = "h1" }, h3 with { Rank = 1, Name = "h2" }, h3 with { Rank = 2, Name = "h3" }],
            Quorum = quorum,
        };
        Assert.Null(RemovalPreflight.QuorumProblem(Three(0, 1, 2), "h2"));
        Assert.Equal("removing monitor h2 (rank 1) would leave 1 of 2 monitors in quorum, and a quorum needs 2 (h3 out of quorum now: bring them back first).",
            RemovalPreflight.QuorumProblem(Three(0, 1), "h2"));
        // The one that is out of quorum can go: the two that stay are both in it.
        Assert.Null(RemovalPreflight.QuorumProblem(Three(0, 1), "h3"));
        Assert.Equal("monitor h3 is the cluster's only monitor; removing it would leave none. Add a monitor on another host first.",
            RemovalPreflight.QuorumProblem(captured, "h3"));
        Assert.Null(RemovalPreflight.QuorumProblem(captured, "gone-already"));

        var reasons = RemovalPreflight.Evaluate(new RemovalRequest([1, 2], "h2", "h2"), Facts(mons: Three(0, 1)), "h3");
        Assert.Equal([RemovalPreflight.QuorumProblem(Three(0, 1), "h2")!], reasons);
    }

    [Fact]
    public void IdsMustBeOsdsOfTheHostAndAHostLeavesWithAllOfItsOsds()
    {
        var facts = Facts();
        Assert.Empty(RemovalPreflight.Evaluate(RemovalRequest.Disks(7), facts, "h3")); // not in the map: already purged, nothing to do
        Assert.Equal(["-3 is not an OSD id (negative ids are CRUSH buckets such as hosts); name OSDs by their number, e.g. 3 for osd.3."],
            RemovalPreflight.Evaluate(RemovalRequest.Disks(-3), facts, "h3"));
        Assert.Equal(["osd.3 sits under CRUSH host h3, not h2, which is the host being removed; remove it separately.",
                      "CRUSH host h2 also holds osd.2, which this removal does not include; a host leaves only with all of its OSDs."],
            RemovalPreflight.Evaluate(new RemovalRequest([1, 3], "h2", null), facts, "h3"));
        Assert.Equal(["CRUSH bucket default is a root, not a host; only host buckets are removed with their host."],
            RemovalPreflight.Evaluate(new RemovalRequest([], "default", null), facts with { Pools = [] }, "h3"));
    }

    private static RemovalFacts Facts(OsdDf? df = null, OsdDump? dump = null, MonMap? mons = null) => new(
        new HealthReport("HEALTH_OK", []),
        Ceph.ParseOsdTree(CapturedRun.StdoutOf(V + "osd-tree-3-hosts")),
        df ?? Ceph.ParseOsdDf(CapturedRun.StdoutOf(V + "osd-df-3-hosts")),
        dump ?? Ceph.ParseOsdDump(CapturedRun.StdoutOf(V + "osd-dump")),
        Ceph.ParsePoolList(CapturedRun.StdoutOf(V + "osd-pool-ls-detail")),
        mons);
}
