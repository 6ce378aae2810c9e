using Mvm.Cluster;

namespace Mvm.Tests.Unit.Resources.Cluster;

public class MonitorPlanTests
{
    [Fact]
    public void TheFirstRemainingHostWithoutAMonitorTakesOverWhenTheFirstHostLeaves() =>
        Assert.Equal("h8", MonitorPlan.Replacement(["h5", "h6", "h7"], "h5", ["h5"], ["h6", "h7", "h8"]));

    [Fact]
    public void TheHostsListOrderPicksTheReplacement() =>
        Assert.Equal("h9", MonitorPlan.Replacement(["h5", "h6", "h7"], "h6", ["h6"], ["h5", "h7", "h9", "h8"]));

    [Fact]
    public void NoReplacementWhenTheHostLeavingHasNoMonitor() =>
        Assert.Null(MonitorPlan.Replacement(["h5", "h6", "h7"], "h8", [], ["h5", "h6", "h7"]));

    [Fact]
    public void NoReplacementWhenEnoughMonitorsStayForTheHostsLeft()
    {
        // Three hosts become two: two monitors are what a 2-host cluster runs.
        Assert.Null(MonitorPlan.Replacement(["h5", "h6", "h7"], "h5", ["h5"], ["h6", "h7"]));
        // A fourth monitor (added by hand) already covers the departure.
        Assert.Null(MonitorPlan.Replacement(["h5", "h6", "h7", "h8"], "h5", ["h5"], ["h6", "h7", "h8"]));
    }

    [Fact]
    public void TwoMonitorHostsLeavingAtOnceDoNotCountEachOtherAsStaying()
    {
        // The first departure sees h6 leaving too: only h7 stays, so one replacement is needed on its own.
        Assert.Equal("h8", MonitorPlan.Replacement(["h5", "h6", "h7"], "h5", ["h5", "h6"], ["h7", "h8", "h9"]));
        // The second, after h8 joined and h5 left the map: h7 and h8 stay, h9 takes the third place.
        Assert.Equal("h9", MonitorPlan.Replacement(["h6", "h7", "h8"], "h6", ["h5", "h6"], ["h7", "h8", "h9"]));
    }

    [Fact]
    public void NoReplacementWhenEveryRemainingHostAlreadyHasAMonitor() =>
        Assert.Null(MonitorPlan.Replacement(["h5", "h6", "h7"], "h5", ["h5"], ["h6", "h7"]));
}
