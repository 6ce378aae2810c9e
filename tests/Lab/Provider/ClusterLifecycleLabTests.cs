using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Issue #4 as a user lives it, on the lab's real hosts: examples/cluster builds a 3-host HCI
/// cluster from bare hosts (h6-h8); a 4th host joins through the hosts list (h4) and a 5th
/// through MvmHost from the connect string (h5); a data device is added and one removed while
/// the cluster holds data; removals are refused when the cluster is degraded or too few hosts
/// would remain; a host is decommissioned; refresh sees drift made by hand; everything is
/// destroyed. Every assertion is made on the hosts (ceph, ovs-vsctl, virsh), and the canary RBD
/// image written at the start must read back with the same sha256 after every removal. One cluster
/// for the whole scenario (<see cref="ClusterLifecycleLabRun"/>), each stage its own [Fact] in order,
/// so the first failure does not hide the rest; a stage that builds on a failed one says so and does
/// not run, and the destroy stage runs whenever the cluster was created.
/// </summary>
[Collection("lab")]
[TestCaseOrderer(StageOrderer.Name, StageOrderer.Assembly)]
public sealed class ClusterLifecycleLabTests(LabFixture lab, ClusterLifecycleLabRun run, ITestOutputHelper output)
    : IClassFixture<ClusterLifecycleLabRun>
{
    private readonly LabProgram _cluster = run.Attach(lab).Cluster;
    private readonly LabProgram _worker = run.Worker;
    private readonly LabTimer _timer = run.Timer(output);

    // Display names h1-h3 are the example's; the lab machines behind them are h6-h8.
    private LabHost Machine(string name) => lab.Hosts.SingleOrDefault(h => h.Name == name)
        ?? throw new InvalidOperationException($"the cluster lifecycle test needs lab host {name}: start the lab with LAB_HOSTS=8 (make test-lab does)");
    private LabHost M1 => Machine("h6");
    private LabHost M2 => Machine("h7");
    private LabHost M3 => Machine("h8");
    private LabHost Added => Machine("h4");
    private LabHost Worker => Machine("h5");

    private static string ExampleProgram => ClusterExample.Program;

    private string ClusterConfig => LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile) + $"""
          mvm-cluster:h1Address: {M1.Management}
          mvm-cluster:h2Address: {M2.Management}
          mvm-cluster:h3Address: {M3.Management}

        """;

    private static string WithHosts(params (string Name, LabHost Machine, string[] Devices)[] hosts) => ClusterExample.WithHosts(hosts);

    private (int Exit, string Output) On(LabHost h, string command) => lab.Exec(h, "bash", "-c", command);

    private string Must(LabHost h, string command)
    {
        var (exit, text) = On(h, command);
        Assert.True(exit == 0, $"`{command}` on {h.Name} exited {exit}: {text}");
        return text;
    }

    private JsonElement CephJson(string args) => JsonDocument.Parse(Must(M1, $"ceph {args} -f json")).RootElement.Clone();

    private Task<DeploymentResult> TimedAsync(string what, LabProgram program,
        Func<Mvm.EngineHarness.Engine, Task<DeploymentResult>> op, bool expectSuccess = true) =>
        _timer.TimedAsync(what, program, op, expectSuccess);

    private static string Plan(DeploymentResult r) => ClusterExample.Plan(r);

    private string CanarySum() => Must(M1, "rbd export --no-progress vms/canary - | sha256sum").Split(' ')[0];

    private void AssertHealthy(int osds)
    {
        // The provider returns once HEALTH_OK has held for a few seconds; allow Ceph a moment
        // more for a late health report, and say so in the figures when it was needed.
        var clock = Stopwatch.StartNew();
        while (!HealthOk() && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(1000);
        if (clock.Elapsed > TimeSpan.FromSeconds(1)) _timer.Figures.Add($"  (HEALTH_OK seen {clock.Elapsed.TotalSeconds:0} s after the step returned)");
        var s = CephJson("status");
        Assert.True(s.GetProperty("health").GetProperty("status").GetString() == "HEALTH_OK", "not HEALTH_OK: " + On(M1, "ceph health detail").Output);
        Assert.Equal(osds, s.GetProperty("osdmap").GetProperty("num_up_osds").GetInt32());
        Assert.Equal(osds, s.GetProperty("osdmap").GetProperty("num_in_osds").GetInt32());
    }

    private IReadOnlyList<string> CrushHosts() =>
        CephJson("osd tree").GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("type").GetString() == "host")
            .Select(n => n.GetProperty("name").GetString()!).Order().ToList();

    private void WaitUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        var until = DateTime.UtcNow + limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"{what} did not happen within {limit.TotalSeconds} s");
            Thread.Sleep(1000);
        }
    }

    private bool HealthOk() => On(M1, "ceph health").Output.Trim() == "HEALTH_OK";

    private const string Preview = "1 preview", Create = "2 create", Canary = "3 canary", AddByList = "4 add h4",
        AddByMvmHost = "5 add h5", Devices = "6 devices", Refusals = "7 refusals", Drift = "8 drift",
        DecommissionH4 = "9 decommission h4", DecommissionH5 = "10 decommission h5", Destroy = "11 destroy";

    private string Sum => run.CanarySum ?? throw new InvalidOperationException("stage 3 wrote no canary");

    /// <summary>1. On bare hosts, a preview of the example shows the plan and changes no host.</summary>
    [Fact, Stage(1)]
    public Task Stage1_PreviewPlansTheExampleAndTouchesNoHost() => run.Stages.RunAsync(Preview, [], async () =>
    {
        foreach (var h in new[] { M1, M2, M3, Added, Worker })
        {
            Assert.True(On(h, "test ! -e /etc/ceph/ceph.conf").Exit == 0, $"{h.Name} already carries a Ceph configuration: the test needs bare hosts (restart the lab)");
            Assert.True(On(h, "! blkid -p /dev/vdb /dev/vdc").Exit == 0, $"{h.Name}'s data disks are not blank: the test needs bare hosts (restart the lab)");
        }

        // Preview of the example: the plan, and no host touched.
        _cluster.Write(ExampleProgram, ClusterConfig);
        var preview = await TimedAsync("preview create", _cluster, e => e.PreviewAsync());
        Assert.Contains("monitors and managers on h1, h2, h3", Plan(preview));
        Assert.True(On(M1, "test ! -e /etc/ceph/ceph.conf").Exit == 0, "preview changed a host");
    });

    /// <summary>2. up builds a 3-host HCI cluster from bare hosts: quorum, OSDs, bridge, VLAN networks, secret, pool.</summary>
    [Fact, Stage(2)]
    public Task Stage2_UpBuildsAThreeHostHciCluster() => run.Stages.RunAsync(Create, [Preview], async () =>
    {
        // up: a 3-host HCI cluster from bare hosts.
        var created = run.Created = await TimedAsync("create (3 hosts, 3 OSDs, pool, VLAN)", _cluster, e => e.UpAsync());
        var status = CephJson("status");
        Assert.Equal("HEALTH_OK", status.GetProperty("health").GetProperty("status").GetString());
        Assert.Equal("h1,h2,h3", string.Join(",", status.GetProperty("quorum_names").EnumerateArray().Select(q => q.GetString()).Order()));
        Assert.Equal(3, status.GetProperty("osdmap").GetProperty("num_up_osds").GetInt32());
        Assert.Equal(LabProgram.OutputOf(created, "cluster", "fsid"), status.GetProperty("fsid").GetString());
        foreach (var h in new[] { M1, M2, M3 })
        {
            Assert.Contains("eth2", Must(h, "ovs-vsctl list-ports br-mvm"));
            var nets = Must(h, "virsh net-list --name");
            foreach (var vlan in new[] { 1, 22, 23, 24, 25 }) Assert.Contains($"mvm-vlan{vlan}", nets);
            Assert.Contains("<tag id='22'/>", Must(h, "virsh net-dumpxml mvm-vlan22"));
            Assert.Contains("portgroup name='web'", Must(h, "virsh net-dumpxml mvm-vlan22")); // the example's OvsVlan adopted it
            Assert.Contains("ceph client.mvm", Must(h, "virsh secret-list"));
            Assert.Contains("running", Must(h, "virsh pool-info vms"));
        }
        Assert.Contains("\"size\":3", Must(M1, "ceph osd pool get vms size -f json").Replace(" ", ""));
    });

    /// <summary>3. An RBD image with a known sha256 on the cluster, read back after every removal.</summary>
    [Fact, Stage(3)]
    public Task Stage3_CanaryImageWithAKnownChecksum() => run.Stages.RunAsync(Canary, [Create], async () =>
    {
        // Data with a known checksum, in the example's replicated pool.
        Must(M1, "head -c 48M /dev/urandom > /root/canary.bin && rbd import --no-progress /root/canary.bin vms/canary");
        var sum = Must(M1, "sha256sum /root/canary.bin").Split(' ')[0];
        Assert.Equal(sum, CanarySum());
        run.CanarySum = sum;
    });

    /// <summary>4. A 4th host (h4) joins through the hosts list.</summary>
    [Fact, Stage(4)]
    public Task Stage4_FourthHostJoinsThroughTheHostsList() => run.Stages.RunAsync(AddByList, [Canary], async () =>
    {
        // A 4th host through the hosts list.
        var four = WithHosts(("h1", M1, ["/dev/vdb"]), ("h2", M2, ["/dev/vdb"]), ("h3", M3, ["/dev/vdb"]), ("h4", Added, ["/dev/vdb"]));
        _cluster.Write(four, ClusterConfig);
        var preview = await TimedAsync("preview add host", _cluster, e => e.PreviewAsync());
        Assert.Contains("add host h4", Plan(preview));
        Assert.Contains(preview.Steps, s => s.Name == "cluster" && s.Op.ToString() == "Update");
        await TimedAsync("add host h4 (hosts list)", _cluster, e => e.UpAsync());
        Assert.Contains(Added.Name, CrushHosts());
        AssertHealthy(4);
        Assert.Contains("mvm-vlan22", Must(Added, "virsh net-list --name"));
    });

    /// <summary>5. A 5th host (h5) joins through MvmHost from the connect string, in another stack.</summary>
    [Fact, Stage(5)]
    public Task Stage5_FifthHostJoinsThroughMvmHost() => run.Stages.RunAsync(AddByMvmHost, [AddByList], async () =>
    {
        // A 5th host through MvmHost, from the connect string (another stack).
        var connect = LabProgram.OutputOf(run.Created!, "cluster", "connectString")!;
        _worker.Write(WorkerProgram(["/dev/vdb"]), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile) + $"  mvm-worker:connectString:\n    secret: {connect}\n");
        var preview = await TimedAsync("preview MvmHost", _worker, e => e.PreviewAsync());
        Assert.Contains("check host h5", Plan(preview));
        var joined = await TimedAsync("add host h5 (MvmHost)", _worker, e => e.UpAsync());
        run.WorkerJoined = true;
        Assert.Contains(Worker.Name, CrushHosts());
        AssertHealthy(5);
        Assert.Equal("ready", LabProgram.OutputOf(joined, "worker", "state"));
    });

    /// <summary>6. A data device is added on h1, then h1's first one removed, the data intact.</summary>
    [Fact, Stage(6)]
    public Task Stage6_DataDeviceAddedThenOneRemoved() => run.Stages.RunAsync(Devices, [AddByMvmHost], async () =>
    {
        // A data device added (h1 /dev/vdc), then h1's first one removed, with data on the cluster.
        _cluster.Write(WithHosts(("h1", M1, ["/dev/vdb", "/dev/vdc"]), ("h2", M2, ["/dev/vdb"]), ("h3", M3, ["/dev/vdb"]), ("h4", Added, ["/dev/vdb"])), ClusterConfig);
        var preview = await TimedAsync("preview add device", _cluster, e => e.PreviewAsync());
        Assert.Contains("h1: new OSD on /dev/vdc", Plan(preview));
        await TimedAsync("add data device", _cluster, e => e.UpAsync());
        AssertHealthy(6);
        var vdbOsd = int.Parse(Must(M1, "ceph-volume raw list $(readlink -e /dev/vdb) --format json | python3 -c 'import json,sys; print(list(json.load(sys.stdin).values())[0][\"osd_id\"])'").Trim(),
            System.Globalization.CultureInfo.InvariantCulture);

        _cluster.Write(WithHosts(("h1", M1, ["/dev/vdc"]), ("h2", M2, ["/dev/vdb"]), ("h3", M3, ["/dev/vdb"]), ("h4", Added, ["/dev/vdb"])), ClusterConfig);
        preview = await TimedAsync("preview remove device", _cluster, e => e.PreviewAsync());
        Assert.Contains($"osd.{vdbOsd} (h1 /dev/vdb): out", Plan(preview));
        await TimedAsync("remove data device", _cluster, e => e.UpAsync());
        AssertHealthy(5);
        Assert.DoesNotContain(CephJson("osd ls").EnumerateArray(), o => o.GetInt32() == vdbOsd);
        Assert.NotEqual(0, On(M1, $"systemctl is-enabled --quiet ceph-osd@{vdbOsd}").Exit);
        Assert.Equal(Sum, CanarySum());
    });

    /// <summary>7. Removals are refused when too few hosts would remain or the cluster is degraded; nothing changes.</summary>
    [Fact, Stage(7)]
    public Task Stage7_RemovalsRefusedWhenTooFewHostsOrDegraded() => run.Stages.RunAsync(Refusals, [Devices], async () =>
    {
        // Refusals: nothing changes when the cluster is degraded or too few hosts would remain.
        var three = WithHosts(("h1", M1, ["/dev/vdc"]), ("h2", M2, ["/dev/vdb"]), ("h3", M3, ["/dev/vdb"]));
        // Five hosts now (h1-h4 and the MvmHost h5): a pool of size 5 needs every one of them.
        Must(M1, "ceph osd pool set vms size 5");
        WaitUntil(HealthOk, TimeSpan.FromMinutes(3), "HEALTH_OK after size 5");
        _cluster.Write(three, ClusterConfig);
        var refused = await TimedAsync("refused: too few hosts", _cluster, e => e.UpAsync(), expectSuccess: false);
        Assert.False(refused.Succeeded);
        Assert.True(refused.Error!.Contains("pool \"vms\"", StringComparison.Ordinal) && refused.Error.Contains("nothing was changed", StringComparison.Ordinal),
            "expected a refusal naming pool \"vms\": " + refused.Error);
        Assert.Contains(Added.Name, CrushHosts());
        Must(M1, "ceph osd pool set vms size 3");
        WaitUntil(HealthOk, TimeSpan.FromMinutes(3), "HEALTH_OK after size 3");

        var stopped = run.StoppedOsd = Must(M2, "ceph-volume raw list $(readlink -e /dev/vdb) --format json | python3 -c 'import json,sys; print(list(json.load(sys.stdin).values())[0][\"osd_id\"])'").Trim();
        Must(M2, $"systemctl stop ceph-osd@{stopped}");
        WaitUntil(() => !HealthOk(), TimeSpan.FromMinutes(1), "HEALTH_WARN after stopping an OSD");
        refused = await TimedAsync("refused: degraded", _cluster, e => e.UpAsync(), expectSuccess: false);
        Assert.True(refused.Error!.Contains("HEALTH_WARN", StringComparison.Ordinal), "expected a refusal naming HEALTH_WARN: " + refused.Error);
        Assert.Contains(Added.Name, CrushHosts());
    });

    /// <summary>8. Refresh sees the OSD stopped by hand (drift); it comes back.</summary>
    [Fact, Stage(8)]
    public Task Stage8_RefreshSeesAnOsdStoppedByHand() => run.Stages.RunAsync(Drift, [Refusals], async () =>
    {
        // Refresh sees the stopped OSD (drift made by hand), then it comes back.
        var drift = await TimedAsync("refresh with an OSD stopped by hand", _cluster, e => e.RefreshAsync());
        Assert.NotEqual("HEALTH_OK", LabProgram.OutputOf(drift, "cluster", "health"));
        Must(M2, $"systemctl start ceph-osd@{run.StoppedOsd}");
        WaitUntil(HealthOk, TimeSpan.FromMinutes(3), "HEALTH_OK after restarting the OSD");
    });

    /// <summary>9. h4 is decommissioned: its OSD drained and purged, the host left bare, the data intact.</summary>
    [Fact, Stage(9)]
    public Task Stage9_HostH4Decommissioned() => run.Stages.RunAsync(DecommissionH4, [Drift], async () =>
    {
        // Decommission h4: its OSD drained and purged, monitor-less host removed, data intact.
        var preview = await TimedAsync("preview decommission", _cluster, e => e.PreviewAsync());
        Assert.Contains("decommission host h4", Plan(preview));
        await TimedAsync("decommission host h4", _cluster, e => e.UpAsync());
        Assert.DoesNotContain(Added.Name, CrushHosts());
        AssertHealthy(4);
        Assert.Equal(Sum, CanarySum());
        Assert.DoesNotContain("mvm/hosts/h4", Must(M1, "ceph config-key ls"));
        Assert.True(On(Added, "test ! -e /etc/ceph/ceph.conf").Exit == 0, "h4 still has the cluster's ceph.conf");
        Assert.NotEqual(0, On(Added, "ovs-vsctl br-exists br-mvm").Exit);
    });

    /// <summary>10. MvmHost delete decommissions h5 OSD-safely.</summary>
    [Fact, Stage(10)]
    public Task Stage10_MvmHostDeleteDecommissionsH5() => run.Stages.RunAsync(DecommissionH5, [DecommissionH4], async () =>
    {
        // MvmHost delete = OSD-safe decommission of h5.
        await TimedAsync("decommission host h5 (MvmHost delete)", _worker, e => e.DestroyAsync());
        run.WorkerGone = true;
        Assert.DoesNotContain(Worker.Name, CrushHosts());
        AssertHealthy(3);
        Assert.Equal(Sum, CanarySum());
    });

    /// <summary>11. Destroy leaves no Ceph, bridge or VLAN network on the cluster's hosts (runs whenever the cluster was created).</summary>
    [Fact, Stage(11)]
    public Task Stage11_DestroyLeavesTheHostsBare() => run.Stages.RunAsync(Destroy, [Create], async () =>
    {
        // Destroy: the VM pool holds the canary, so it goes first (the cluster's delete refuses otherwise).
        if (run.CanarySum is not null) Must(M1, "rbd rm --no-progress vms/canary");
        // h5 joined through its own stack; when its decommission did not run, it leaves first.
        if (run.WorkerJoined && !run.WorkerGone) await TimedAsync("destroy MvmHost h5 first", _worker, e => e.DestroyAsync());
        await TimedAsync("destroy cluster", _cluster, e => e.DestroyAsync());
        foreach (var h in new[] { M1, M2, M3 })
        {
            Assert.True(On(h, "test ! -e /etc/ceph/ceph.conf").Exit == 0, $"{h.Name} still has ceph.conf");
            Assert.NotEqual(0, On(h, "systemctl is-active --quiet ceph-mon.target").Exit);
            Assert.NotEqual(0, On(h, "ovs-vsctl br-exists br-mvm").Exit);
            Assert.DoesNotContain("mvm-vlan", Must(h, "virsh net-list --all --name"));
        }
        output.WriteLine("figures:\n  " + string.Join("\n  ", _timer.Figures));
    });

    private string WorkerProgram(string[] devices) => $$"""
        name: mvm-worker
        runtime: yaml
        plugins:
          providers:
            - name: mvm
              path: {{Path.GetDirectoryName(LabProgram.PluginPath)}}
        config:
          connectString:
            type: string
            secret: true
        resources:
          worker:
            type: mvm:index:MvmHost
            properties:
              connectString: ${connectString}
              name: h5
              address: {{Worker.Management}}
              dataDevices: [{{string.Join(", ", devices)}}]
              managementInterface: eth0
              storageInterface: eth1
              computeInterface: eth2
        outputs:
          state: ${worker.state}
        """;

}
