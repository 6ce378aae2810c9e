using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// Which health states end a wait for HEALTH_OK early, over `ceph health detail` and `ceph status`
/// captured on the lab's 4-host cluster (Ceph 16.2.15, two runs of MonitorRemovalLabTests) in the
/// seconds while the replacement monitor h8 was joining: MON_DOWN names mon.h8 out of quorum.
/// </summary>
public class HealthTriageTests
{
    private const string V = "ceph-16.2.15-";
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, TimeSpan> JustNow = new() { ["MON_DOWN"] = TimeSpan.Zero, ["POOL_NO_REDUNDANCY"] = TimeSpan.Zero };

    private static HealthReport Detail(string fixture) => Ceph.ParseHealth(System.Text.Json.JsonDocument.Parse(CapturedRun.StdoutOf(V + fixture)).RootElement);

    [Fact]
    public void MonDownDetailNamesTheMonitor() =>
        Assert.Equal(["h8"], HealthTriage.DownMonitors(Detail("health-detail-mon-down").Find("MON_DOWN")!));

    [Fact]
    public void MonDownOfAMonitorWhoseHostLeftIsHopelessAtOnce()
    {
        var reason = HealthTriage.Hopeless(Detail("health-detail-mon-down"), ["h8"], JustNow, Grace);
        Assert.NotNull(reason);
        Assert.Contains("MON_DOWN for mon.h8, whose host left the cluster", reason);
        Assert.Contains("ceph mon remove h8", reason);
    }

    [Fact]
    public void MonDownOfAMonitorTheClusterStillWantsIsWaitedFor()
    {
        // A new or restarting monitor is out of quorum for a few seconds: that heals by waiting.
        Assert.Null(HealthTriage.Hopeless(Detail("health-detail-mon-down"), [], JustNow, Grace));
        Assert.Null(HealthTriage.Hopeless(Detail("health-detail-mon-down"), ["h5"], JustNow, Grace));
    }

    [Fact]
    public void AConditionOnlyAPersonClearsCountsOnceItHeldForTheGrace()
    {
        var detail = Detail("health-detail-pool-no-redundancy");
        Assert.Null(HealthTriage.Hopeless(detail, [], new Dictionary<string, TimeSpan> { ["POOL_NO_REDUNDANCY"] = TimeSpan.FromSeconds(10) }, Grace));
        var reason = HealthTriage.Hopeless(detail, [], new Dictionary<string, TimeSpan> { ["POOL_NO_REDUNDANCY"] = TimeSpan.FromSeconds(31) }, Grace);
        Assert.Equal("POOL_NO_REDUNDANCY (2 pool(s) have no replicas configured) for 31 s: set the pool's size to 2 or more", reason);
    }

    [Fact]
    public void DownOsdsAreWaitedForHoweverLong() =>
        Assert.Null(HealthTriage.Hopeless(Detail("health-detail-osd-down"), ["h3"],
            new Dictionary<string, TimeSpan> { ["OSD_DOWN"] = TimeSpan.FromHours(1), ["OSD_HOST_DOWN"] = TimeSpan.FromHours(1), ["OSD_ROOT_DOWN"] = TimeSpan.FromHours(1) }, Grace));

    /// <summary>A cluster that answers every status with the captured MON_DOWN state, as a departed monitor leaves it.</summary>
    private static ClusterTestHost MonDownCluster() => new(argv => string.Join(' ', argv) switch
    {
        "ceph --connect-timeout 30 status -f json" => CapturedRun.Load(V + "status-mon-down-h8").As(argv),
        "ceph --connect-timeout 30 health detail -f json" => CapturedRun.Load(V + "health-detail-mon-down").As(argv),
        var other => throw new InvalidOperationException("unexpected command: " + other),
    });

    private static OperationContext Context() => new("update", "mvm:index:MvmCluster", "c", "urn", false, Mvm.Framework.Config.ConfigLoader.Defaults(_ => null),
        new EngineLog(null, _ => { }), new SecretScrubber(), default, null);

    [Fact]
    public async Task TheWaitStopsAtOnceOnMonDownOfADepartedMonitorAndSaysWhatItSaw()
    {
        var host = MonDownCluster();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => HealthWait.WaitAsync(new Ceph(host),
            new HealthWaitOptions { DepartedMonitors = ["h8"], PollInterval = TimeSpan.FromMilliseconds(1) }, Context()));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("HEALTH_OK with all PGs active+clean and every OSD up", e.Message);
        Assert.Contains("HEALTH_WARN: MON_DOWN (1/4 mons down, quorum h5,h6,h7)", e.Message);
        Assert.Contains("mon.h8", e.Message);
        Assert.Equal(1, host.Lines.Count(l => l.Contains("status", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WithoutAHopelessSignTheWaitEndsAtItsLimitNamingWhatItWaitedForAndSaw()
    {
        var host = MonDownCluster();
        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => HealthWait.WaitAsync(new Ceph(host),
            new HealthWaitOptions { Limit = TimeSpan.FromMilliseconds(200), PollInterval = TimeSpan.FromMilliseconds(20) }, Context()));
        Assert.Contains("did not reach HEALTH_OK with all PGs active+clean and every OSD up within", e.Message);
        Assert.Contains("last seen: Ceph HEALTH_WARN (MON_DOWN)", e.Message);
        Assert.Contains("monitors in quorum: h5, h6, h7", e.Message);
        Assert.Contains("cephHealthTimeout", e.Message);
    }

    [Theory]
    [InlineData(null, 15)]
    [InlineData("40m", 40)]
    [InlineData("nonsense", 15)]
    public void TheLimitComesFromTheProviderConfiguration(string? setting, int minutes)
    {
        var config = Mvm.Framework.Config.ConfigLoader.Defaults(_ => null);
        config.CephHealthTimeout = setting;
        Assert.Equal(TimeSpan.FromMinutes(minutes), HealthWaitOptions.LimitFrom(config.CephHealthTimeout));
    }
}
