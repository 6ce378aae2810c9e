using Mvm.Cluster;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;

namespace Mvm.Tests.Unit.Resources.Cluster;

public class ClusterPlanTests
{
    private static ClusterHost Host(string name, params string[] devices) =>
        new() { Name = name, Address = "10.0.0." + name[1..], DataDevices = [.. devices], ComputeInterface = "eth2" };

    private static MvmClusterArgs Args(params ClusterHost[] hosts) => new()
    {
        Name = "lab", Layout = ClusterLayout.Hci, Hosts = [.. hosts], ComputeVlans = ["1", "22-23"], DefaultPoolSize = 3,
    };

    private static MvmClusterState State(params ClusterHost[] hosts)
    {
        var s = new MvmClusterState { Name = "lab", Layout = ClusterLayout.Hci, Hosts = [.. hosts], ComputeVlans = ["1", "22-23"] };
        s.Osds = hosts.SelectMany((h, i) => (h.DataDevices ?? []).Select((d, j) => new OsdState { Id = i * 10 + j, Host = h.Name, Device = d })).ToList();
        s.Monitors = hosts.Take(3).Select(h => new CephMonitor { Name = h.Name }).ToList();
        return s;
    }

    [Fact]
    public void CreatePlanPutsMonitorsOnTheFirstThreeHostsAndAnOsdOnEachDevice()
    {
        var plan = ClusterPlan.Describe(null, Args(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb"), Host("h4", "/dev/vdb", "/dev/vdc")));
        Assert.Contains(plan, l => l.Contains("monitors and managers on h1, h2, h3") && l.Contains("h4 /dev/vdc"));
        Assert.Contains(plan, l => l.Contains("br-mvm on h1 eth2") && l.Contains("VLAN networks 1, 22-23"));
        Assert.Equal("wait for HEALTH_OK with every PG active+clean", plan[^1]);
    }

    [Fact]
    public void UnchangedHostsPlanNothing() =>
        Assert.Empty(ClusterPlan.Describe(State(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb")),
            Args(Host("h1", "/dev/vdb"), Host("h3", "/dev/vdb"), Host("h2", "/dev/vdb"))));

    [Fact]
    public void DeviceChangesBecomeANewOsdAndAnOsdSafeRemovalOfTheKnownId()
    {
        var plan = ClusterPlan.Describe(State(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb", "/dev/vdc"), Host("h3", "/dev/vdb")),
            Args(Host("h1", "/dev/vdb", "/dev/vdc"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb")));
        Assert.Contains("h1: new OSD on /dev/vdc", plan);
        var removal = Assert.Single(plan, l => l.StartsWith("osd.11 ", StringComparison.Ordinal));
        Assert.Contains("(h2 /dev/vdc): out → wait for PGs active+clean → safe-to-destroy → ok-to-stop", removal);
        Assert.DoesNotContain(plan, l => l.StartsWith("crush:", StringComparison.Ordinal));
    }

    [Fact]
    public void HostRemovalListsItsOsdsMonitorAndBucket()
    {
        var plan = ClusterPlan.Describe(State(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb", "/dev/vdc"), Host("h4", "/dev/vdb")),
            Args(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h4", "/dev/vdb")));
        Assert.Contains("decommission host h3, one OSD at a time:", plan);
        Assert.Contains(plan, l => l.StartsWith("osd.20 (h3 /dev/vdb)", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("osd.21 (h3 /dev/vdc)", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("mon h3:", StringComparison.Ordinal));
        Assert.Contains("crush: remove host h3", plan);
        Assert.Contains(plan, l => l.StartsWith("before its monitor goes: a replacement monitor and manager on h4, in quorum before h3's monitor is removed", StringComparison.Ordinal));
        // The replacement comes before the old monitor's removal in the plan, as in the update.
        Assert.True(plan.ToList().FindIndex(l => l.StartsWith("before its monitor goes", StringComparison.Ordinal)) < plan.ToList().FindIndex(l => l.StartsWith("mon h3:", StringComparison.Ordinal)));
    }

    [Fact]
    public void RemovingTheFirstHostOfFourPutsTheReplacementOnTheOnlyHostWithoutAMonitor()
    {
        var plan = ClusterPlan.Describe(State(Host("h5", "/dev/vdb"), Host("h6", "/dev/vdb"), Host("h7", "/dev/vdb"), Host("h8", "/dev/vdb")),
            Args(Host("h6", "/dev/vdb"), Host("h7", "/dev/vdb"), Host("h8", "/dev/vdb")));
        Assert.Contains(plan, l => l.StartsWith("before its monitor goes: a replacement monitor and manager on h8", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("mon h5: ceph mon remove h5 (read back gone), then stop", StringComparison.Ordinal));
    }

    [Fact]
    public void ThreeHostsBecomingTwoKeepTwoMonitorsAndPlanNoReplacement()
    {
        var plan = ClusterPlan.Describe(State(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb")),
            Args(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb")));
        Assert.Contains(plan, l => l.StartsWith("mon h3:", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, l => l.Contains("replacement", StringComparison.Ordinal));
    }

    [Fact]
    public void RemovingAHostWithoutAMonitorPlansNoMonitorWork()
    {
        var plan = ClusterPlan.Describe(State(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb"), Host("h4", "/dev/vdb")),
            Args(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb")));
        Assert.Contains("decommission host h4, one OSD at a time:", plan);
        Assert.DoesNotContain(plan, l => l.StartsWith("mon ", StringComparison.Ordinal) || l.Contains("replacement", StringComparison.Ordinal));
    }

    [Fact]
    public void AddedHostsAndVlanChangesAreListed()
    {
        var news = Args(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb"), Host("h5", "/dev/vdb"));
        news.ComputeVlans = ["1", "22", "40"];
        var plan = ClusterPlan.Describe(State(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb")), news);
        Assert.Contains(plan, l => l.StartsWith("add host h5 (10.0.0.5)", StringComparison.Ordinal) && l.Contains("OSDs on /dev/vdb"));
        Assert.Contains("VLAN networks added on every host: 40", plan);
        Assert.Contains("VLAN networks removed from every host: 23", plan);
    }

    [Fact]
    public void StandardLayoutHostRemovalHasNoCephSteps()
    {
        static ClusterHost Compute(string name) => new() { Name = name, Address = "10.0.0." + name[1..], ComputeInterface = "eth2" };
        var olds = new MvmClusterState { Name = "c", Layout = ClusterLayout.Standard, Hosts = [Compute("c1"), Compute("c2")] };
        var news = new MvmClusterArgs { Name = "c", Layout = ClusterLayout.Standard, Hosts = [Compute("c1")] };
        var plan = ClusterPlan.Describe(olds, news);
        Assert.Single(plan);
        Assert.StartsWith("remove host c2: live-migrate its running VMs and move its shut-off ones to other hosts in service with room", plan[0]);
        Assert.EndsWith("; its VLAN networks and OVS bridge are removed", plan[0]);
    }
}
