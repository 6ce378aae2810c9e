using System.Text.Json;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// A monitor host leaves an MvmCluster, from fresh hosts as on a clean CI machine: a 4-host HCI
/// cluster on h5-h8 (monitors and managers on h5, h6, h7) holds an RBD canary; h5, the first
/// host, is dropped from the hosts list. A replacement monitor and manager must start on h8
/// before h5's monitor goes, the quorum must be exactly the three hosts left, every remaining
/// ceph.conf must point at them, and h5 must be gone from the monitor map, CRUSH and the member
/// registry with the canary intact. Every assertion is made with `ceph` and `systemctl` on the hosts.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class MonitorRemovalLabTests : IDisposable
{
    private static readonly string[] Machines = ["h5", "h6", "h7", "h8"];
    private readonly LabFixture _lab;
    private readonly ITestOutputHelper _output;
    private readonly LabProgram _cluster = new("mvm-lab-monremoval-");
    private readonly LabTimer _timer;

    public MonitorRemovalLabTests(LabFixture lab, ITestOutputHelper output)
    {
        _lab = lab;
        _output = output;
        _timer = new LabTimer(output);
        // Fresh hosts, as on a clean CI machine: what an earlier run left must not help this one.
        LabHostReset.Reset(lab, Machines);
    }

    private LabHost Machine(string name) => _lab.Hosts.SingleOrDefault(h => h.Name == name)
        ?? throw new InvalidOperationException($"the monitor removal test needs lab host {name}: start the lab with LAB_HOSTS=8");
    private LabHost H5 => Machine("h5");
    private LabHost H6 => Machine("h6");
    private LabHost H7 => Machine("h7");
    private LabHost H8 => Machine("h8");

    private string Config => LabProgram.LabConfig(_lab.OutDir, _lab.PrivateKeyFile);

    private string Hosts(params LabHost[] machines) => ClusterExample.WithHosts(machines.Select(m => (m.Name, m, new[] { "/dev/vdb" })).ToArray());

    private (int Exit, string Output) On(LabHost h, string command) => _lab.Exec(h, "bash", "-c", command);

    private string Must(LabHost h, string command)
    {
        var (exit, text) = On(h, command);
        Assert.True(exit == 0, $"`{command}` on {h.Name} exited {exit}: {text}");
        return text;
    }

    private JsonElement CephJson(LabHost on, string args) => JsonDocument.Parse(Must(on, $"ceph {args} -f json 2>/dev/null")).RootElement.Clone();

    private static string Names(IEnumerable<string?> names) => string.Join(",", names.Order(StringComparer.Ordinal));

    [Fact]
    public async Task MonitorHostLeavesAndAReplacementKeepsThreeMonitors()
    {
        foreach (var h in new[] { H5, H6, H7, H8 })
            Assert.True(On(h, "test ! -e /etc/ceph/ceph.conf && ! blkid -p /dev/vdb /dev/vdc").Exit == 0, $"{h.Name} is not bare after the reset");

        // A 4-host cluster: monitors and managers on the first three hosts.
        _cluster.Write(Hosts(H5, H6, H7, H8), Config);
        await _timer.TimedAsync("create (4 hosts, 4 OSDs, pool, VLAN)", _cluster, e => e.UpAsync());
        Assert.Equal("h5,h6,h7", Names(CephJson(H6, "status").GetProperty("quorum_names").EnumerateArray().Select(q => q.GetString())));

        Must(H6, "head -c 32M /dev/urandom > /root/canary.bin && rbd import --no-progress /root/canary.bin vms/canary");
        var sum = Must(H6, "sha256sum /root/canary.bin").Split(' ')[0];

        // h5 leaves: the preview names the replacement, the up carries it out.
        _cluster.Write(Hosts(H6, H7, H8), Config);
        var preview = await _timer.TimedAsync("preview monitor host removal", _cluster, e => e.PreviewAsync());
        var plan = ClusterExample.Plan(preview);
        _output.WriteLine(plan);
        Assert.Contains("decommission host h5", plan);
        Assert.Contains("replacement monitor and manager on h8", plan);
        Assert.True(On(H8, "test ! -e /var/lib/ceph/mon/ceph-h8").Exit == 0, "preview started a monitor");

        DeploymentResult removed;
        try
        {
            removed = await _timer.TimedAsync("remove monitor host h5", _cluster, e => e.UpAsync());
        }
        finally
        {
            _output.WriteLine("after the removal:\n" + On(H6, "ceph health detail; ceph mon dump; ceph mgr stat").Output);
        }
        foreach (var l in removed.Logs.Where(l => l.Message.Contains("monitor", StringComparison.Ordinal) || l.Message.Contains("HEALTH_OK", StringComparison.Ordinal)
            || l.Message.StartsWith("update took", StringComparison.Ordinal)))
            _output.WriteLine("  provider: " + l.Message);

        // Exactly the three hosts left hold the monitors, all in quorum.
        var status = CephJson(H6, "status");
        Assert.Equal("h6,h7,h8", Names(status.GetProperty("quorum_names").EnumerateArray().Select(q => q.GetString())));
        Assert.Equal("h6,h7,h8", Names(CephJson(H6, "mon dump").GetProperty("mons").EnumerateArray().Select(m => m.GetProperty("name").GetString())));
        Assert.Equal(0, On(H8, "systemctl is-active --quiet ceph-mon@h8 && systemctl is-enabled --quiet ceph-mon@h8").Exit);
        Assert.Equal(0, On(H8, "systemctl is-active --quiet ceph-mgr@h8 && systemctl is-enabled --quiet ceph-mgr@h8").Exit);
        var mgr = CephJson(H6, "mgr dump");
        var managers = mgr.GetProperty("standbys").EnumerateArray().Select(s => s.GetProperty("name").GetString()).Append(mgr.GetProperty("active_name").GetString());
        Assert.Contains("h8", managers);
        Assert.DoesNotContain("h5", managers);

        // Every remaining member's ceph.conf names the monitors that exist, and only those.
        var expected = Names(new[] { H6, H7, H8 }.Select(h => h.Storage));
        foreach (var h in new[] { H6, H7, H8 })
        {
            var monHost = Must(h, "sed -n 's/^mon_host *= *//p' /etc/ceph/ceph.conf").Trim();
            Assert.True(Names(monHost.Split(',', StringSplitOptions.TrimEntries)) == expected, $"mon_host on {h.Name} is \"{monHost}\", expected {expected}");
            // So does the libvirt RBD pool (defined and running), which still answers.
            foreach (var flag in new[] { "--inactive", "" })
            {
                var pool = Must(h, $"virsh pool-dumpxml vms {flag} | sed -n \"s/.*<host name='\\([^']*\\)'.*/\\1/p\"");
                Assert.True(Names(pool.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) == expected, $"libvirt pool vms {flag} on {h.Name} names {pool}, expected {expected}");
            }
            Must(h, "virsh pool-refresh vms");
        }

        // h5 is gone from CRUSH, the registry and its own disk; the data is intact and Ceph healthy.
        var crushHosts = CephJson(H6, "osd tree").GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("type").GetString() == "host").Select(n => n.GetProperty("name").GetString());
        Assert.DoesNotContain("h5", crushHosts);
        Assert.DoesNotContain("mvm/hosts/h5", Must(H6, "ceph config-key ls"));
        Assert.True(On(H5, "test ! -e /etc/ceph/ceph.conf && test ! -e /var/lib/ceph/mon/ceph-h5").Exit == 0, "h5 still has Ceph configuration or monitor data");
        Assert.NotEqual(0, On(H5, "systemctl is-active --quiet ceph-mon@h5").Exit);
        Assert.Equal("HEALTH_OK", status.GetProperty("health").GetProperty("status").GetString());
        Assert.Equal(3, status.GetProperty("osdmap").GetProperty("num_up_osds").GetInt32());
        Assert.Equal(sum, Must(H6, "rbd export --no-progress vms/canary - | sha256sum").Split(' ')[0]);

        Must(H6, "rbd rm --no-progress vms/canary");
        await _timer.TimedAsync("destroy cluster", _cluster, e => e.DestroyAsync());
        _output.WriteLine("figures:\n  " + string.Join("\n  ", _timer.Figures));
    }

    public void Dispose()
    {
        LabHostReset.Reset(_lab, Machines);
        _cluster.Dispose();
    }
}
