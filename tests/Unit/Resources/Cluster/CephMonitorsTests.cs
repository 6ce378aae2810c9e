using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>mon_host following the monitor map, over the map the lab's cluster had after h5 left (h6, h7, h8; Ceph 16.2.15).</summary>
public class CephMonitorsTests
{
    private const string AfterReplacement = "ceph-16.2.15-mon-dump-after-replacement";

    [Fact]
    public void MonHostListsTheMapsMonitorsInRankOrder() =>
        Assert.Equal("10.20.1.16,10.20.1.17,10.20.1.18", CephMonitors.MonHostValue(Ceph.ParseMonDump(CapturedRun.StdoutOf(AfterReplacement))));

    /// <summary>The ceph.conf the provider wrote on lab host h6, with <paramref name="monHost"/> as mon_host.</summary>
    internal static string Conf(string monHost) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ceph", "ceph-16.2.15-conf-written-h6.conf"))
            .Replace("mon_host = 10.20.1.16,10.20.1.17,10.20.1.18", "mon_host = " + monHost, StringComparison.Ordinal);

    private static ClusterTestHost Member(string monHost) => new(argv => string.Join(' ', argv) switch
    {
        "ceph --connect-timeout 30 mon dump -f json" => CapturedRun.Load(AfterReplacement).As(argv),
        "cat /etc/ceph/ceph.conf" => ClusterTestHost.Result(argv, 0, Conf(monHost)),
        "install -m 0644 /dev/stdin /etc/ceph/ceph.conf.mvm-new" => ClusterTestHost.Result(argv, 0),
        "mv -f /etc/ceph/ceph.conf.mvm-new /etc/ceph/ceph.conf" => ClusterTestHost.Result(argv, 0),
        var other => throw new InvalidOperationException("unexpected command: " + other),
    });

    private static OperationContext Context() => new("update", "mvm:index:MvmCluster", "c", "urn", false, Mvm.Framework.Config.ConfigLoader.Defaults(_ => null),
        new EngineLog(null, _ => { }), new SecretScrubber(), default, null);

    [Fact]
    public async Task OnlyAStaleMonHostIsRewrittenWithTheMapsAddresses()
    {
        var stale = Member("10.20.1.15,10.20.1.16,10.20.1.17");
        var current = Member("10.20.1.16,10.20.1.17,10.20.1.18");
        await CephMonitors.SyncMonHostAsync(new Ceph(current), 
            [("h6", new RemoteHost(stale)), ("h7", new RemoteHost(current))], Context());

        // Read, changed in code, written beside the file and renamed over it; no value reaches a command line.
        Assert.Equal(["cat /etc/ceph/ceph.conf", "install -m 0644 /dev/stdin /etc/ceph/ceph.conf.mvm-new", "mv -f /etc/ceph/ceph.conf.mvm-new /etc/ceph/ceph.conf"],
            stale.Lines.Where(l => !l.StartsWith("ceph ", StringComparison.Ordinal)));
        Assert.DoesNotContain(stale.Lines, l => l.Contains("10.20.1.18", StringComparison.Ordinal));
        Assert.Equal(["cat /etc/ceph/ceph.conf"], current.Lines.Where(l => !l.StartsWith("ceph ", StringComparison.Ordinal)));
    }

    private static PoolXml CapturedPool() =>
        PoolXml.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Virsh", "virsh-9.0.0-pool-dumpxml-rbd.xml")));

    [Fact]
    public void TheLibvirtPoolIsRedefinedWithTheMonitorsThatExistKeepingItsIdentity()
    {
        var captured = CapturedPool();
        var pool = CephMonitors.PoolWithMonitors(captured, ["10.20.1.12", "10.20.1.18"])!;
        Assert.Equal(["10.20.1.12", "10.20.1.18"], pool.Hosts.Select(h => h.Host));
        Assert.All(pool.Hosts, h => Assert.Equal(6789, h.Port));
        Assert.Equal((captured.Name, captured.Uuid, captured.SourceName, captured.Auth), (pool.Name, pool.Uuid, pool.SourceName, pool.Auth));
    }

    [Fact]
    public void APoolThatNamesExactlyTheMonitorsIsLeftAlone()
    {
        Assert.Null(CephMonitors.PoolWithMonitors(CapturedPool(), ["10.20.1.12", "10.20.1.11"]));
        Assert.NotNull(CephMonitors.PoolWithMonitors(CapturedPool(), ["10.20.1.11"]));
    }
}
