using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// A host leaving service with VMs on it, on the lab's real hosts: a 3-host HCI cluster (h5-h7)
/// and a 4th host joined through MvmHost (h8) that carries VMs on RBD disks. Maintenance is
/// refused while a pinned VM is there (nothing moves), then drains it: the running VM is
/// live-migrated and the shut-off one moved, each keeping its UUID. Deleting the MvmHost drains
/// the host again before its OSD-safe decommission, and takes its migration key off the others.
/// Every assertion is made with virsh and ceph on the hosts.
/// </summary>
[Collection("lab")]
public sealed class HostMaintenanceLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Machines = ["h5", "h6", "h7", "h8"];
    private readonly LabProgram _program = new("mvm-lab-maint-");
    private readonly List<string> _figures = [];

    private LabHost Machine(string name) => lab.Hosts.SingleOrDefault(h => h.Name == name)
        ?? throw new InvalidOperationException($"the maintenance test needs lab host {name}: start the lab with LAB_HOSTS=8 (make test-lab does)");
    private IEnumerable<LabHost> ClusterMachines => Machines[..3].Select(Machine);
    private LabHost Worker => Machine(Machines[3]);

    private string Program(bool maintenance, bool withWorker = true) => $$"""
        name: mvm-maint
        runtime: yaml
        plugins:
          providers:
            - name: mvm
              path: {{Path.GetDirectoryName(LabProgram.PluginPath)}}
        resources:
          cluster:
            type: mvm:index:MvmCluster
            properties:
              name: maint
              layout: hci
              domainType: qemu
              ovsDatapath: netdev
              minimumMemoryGiB: 1
              memoryPerOsdGiB: 1
              cephPublicNetwork: 10.20.1.0/24
              defaultPoolSize: 2
              vmPool: vms
              computeVlans: ["1"]
              cephConfig:
                mon_data_avail_warn: "5"
              hosts:
        {{string.Concat(ClusterMachines.Select(m => HostFields(m, "      ")))}}{{(withWorker ? WorkerBlock(maintenance) : "")}}
        outputs:
          connect: ${cluster.connectString}
        """;

    private string WorkerBlock(bool maintenance) =>
        "  worker:\n    type: mvm:index:MvmHost\n    properties:\n      connectString: ${cluster.connectString}\n" +
        $"      maintenance: {(maintenance ? "true" : "false")}\n" + HostFields(Worker, "      ", list: false);

    private static string HostFields(LabHost m, string indent, bool list = true) =>
        $"{indent}{(list ? "  - " : "")}name: {m.Name}\n" + string.Concat(new[]
        {
            $"address: {m.Management}", "dataDevices: [/dev/vdb]", "managementInterface: eth0", "storageInterface: eth1", "computeInterface: eth2",
        }.Select(f => $"{indent}{(list ? "    " : "")}{f}\n"));

    private (int Exit, string Output) On(LabHost h, string command) => lab.Exec(h, "bash", "-c", command);

    private string Must(LabHost h, string command)
    {
        var (exit, text) = On(h, command);
        Assert.True(exit == 0, $"`{command}` on {h.Name} exited {exit}: {text}");
        return text;
    }

    private async Task<DeploymentResult> TimedAsync(string what, Func<Mvm.EngineHarness.Engine, Task<DeploymentResult>> op, bool expectSuccess = true)
    {
        var clock = Stopwatch.StartNew();
        var r = await _program.RunAsync(op);
        var drained = r.Logs.Select(l => Regex.Match(l.Message, @"drained: \d+ VM\(s\) moved in ([\d.]+) s")).FirstOrDefault(m => m.Success);
        var line = $"{what}: {clock.Elapsed.TotalSeconds:0.0} s wall" + (drained is null ? "" : $"; drain {drained.Groups[1].Value} s");
        _figures.Add(line);
        output.WriteLine(line);
        if (expectSuccess) Assert.True(r.Succeeded, $"{what} failed:\n{r.Transcript}");
        return r;
    }

    /// <summary>A small VM on an RBD disk of the cluster's pool, defined by hand as a user would (not through the provider).</summary>
    private string DefineVm(LabHost h, string name, bool start, string? placement = null)
    {
        Must(h, HandMadeDomain.Script(name, name, "64M", 128, "mvm-vlan1", start, placement));
        return Must(h, $"virsh domuuid {name}").Trim();
    }

    /// <summary>Which host has the domain defined, and whether it runs there.</summary>
    private (LabHost Host, bool Running)? Find(string name, IEnumerable<LabHost> hosts)
    {
        foreach (var h in hosts)
        {
            var (exit, state) = On(h, $"virsh domstate {name}");
            if (exit == 0) return (h, state.Trim() == "running");
        }
        return null;
    }

    private string Registry(string host) => Must(Machine(Machines[0]), $"ceph config-key get mvm/hosts/{host}");

    [Fact]
    public async Task MaintenanceAndRemovalDrainTheHostsVms()
    {
        foreach (var m in Machines.Select(Machine))
            Assert.True(On(m, "test ! -e /etc/ceph/ceph.conf").Exit == 0, $"{m.Name} already carries a Ceph configuration: the test needs bare hosts (restart the lab)");

        // 1. The cluster and a worker that joins through MvmHost; the hosts then trust each other for migration.
        _program.Write(Program(maintenance: false), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        await TimedAsync("create cluster (3 hosts) and MvmHost", e => e.UpAsync());
        foreach (var m in Machines.Select(Machine))
        {
            var others = Machines.Where(n => n != m.Name).ToList();
            var keys = Must(m, "grep ' mvm-migration@maint:' /root/.ssh/authorized_keys || true");
            Assert.All(others, o => Assert.Contains($" mvm-migration@maint:{o}", keys));
            Assert.DoesNotContain($" mvm-migration@maint:{m.Name}", keys);
        }

        // 2. VMs on the worker: one running, one shut off, one pinned.
        var running = DefineVm(Worker, "mt-run", start: true);
        var off = DefineVm(Worker, "mt-off", start: false);
        DefineVm(Worker, "mt-pin", start: false, placement: "pinned");

        // 3. Maintenance is refused, naming the pinned VM; nothing moves.
        _program.Write(Program(maintenance: true), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        var preview = await TimedAsync("preview maintenance", e => e.PreviewAsync());
        Assert.Contains(preview.Logs, l => l.Message.StartsWith("plan: enter maintenance: live-migrate its running VMs", StringComparison.Ordinal));
        var refused = await TimedAsync("maintenance refused (pinned VM)", e => e.UpAsync(), expectSuccess: false);
        Assert.False(refused.Succeeded);
        Assert.Contains($"host {Worker.Name} cannot enter maintenance", refused.Transcript);
        Assert.Contains("VM mt-pin is pinned to " + Worker.Name, refused.Transcript);
        Assert.DoesNotContain("mt-run is pinned", refused.Transcript);
        Assert.Equal(["mt-off", "mt-pin", "mt-run"], Must(Worker, "virsh list --all --name").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.Contains("\"maintenance\":false", Registry(Worker.Name));

        // 4. Without the pinned VM the host drains: running VMs live, shut-off ones by definition; UUIDs kept.
        Must(Worker, "virsh undefine mt-pin && rbd rm --no-progress vms/mt-pin");
        var drained = await TimedAsync("enter maintenance (drain 2 VMs)", e => e.UpAsync());
        Assert.Contains(drained.Logs, l => l.Message.StartsWith("live-migrated VM mt-run", StringComparison.Ordinal));
        Assert.Equal("", Must(Worker, "virsh list --all --name").Trim());
        var run = Find("mt-run", ClusterMachines) ?? throw new Xunit.Sdk.XunitException("mt-run is on no cluster host after the drain");
        Assert.True(run.Running, "mt-run was running before the drain and is not after it");
        Assert.Equal(running, Must(run.Host, "virsh domuuid mt-run").Trim());
        var stopped = Find("mt-off", ClusterMachines) ?? throw new Xunit.Sdk.XunitException("mt-off is on no cluster host after the drain");
        Assert.False(stopped.Running);
        Assert.Equal(off, Must(stopped.Host, "virsh domuuid mt-off").Trim());
        Assert.Contains("\"maintenance\":true", Registry(Worker.Name));
        Assert.Equal("maintenance", LabProgram.OutputOf(drained, "worker", "state"));

        // 5. Back into service.
        _program.Write(Program(maintenance: false), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        await TimedAsync("leave maintenance", e => e.UpAsync());
        Assert.Contains("\"maintenance\":false", Registry(Worker.Name));

        // 6. Deleting the MvmHost drains it again before its OSDs go.
        var again = DefineVm(Worker, "mt-run2", start: true);
        _program.Write(Program(maintenance: false, withWorker: false), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        var removed = await TimedAsync("decommission MvmHost with a running VM", e => e.UpAsync());
        Assert.Contains(removed.Logs, l => l.Message.StartsWith("live-migrated VM mt-run2", StringComparison.Ordinal));
        var moved = Find("mt-run2", ClusterMachines) ?? throw new Xunit.Sdk.XunitException("mt-run2 is on no cluster host after the decommission");
        Assert.True(moved.Running);
        Assert.Equal(again, Must(moved.Host, "virsh domuuid mt-run2").Trim());
        Assert.DoesNotContain(Worker.Name, Must(Machine(Machines[0]), "ceph osd tree"));
        foreach (var m in ClusterMachines)
            Assert.DoesNotContain($" mvm-migration@maint:{Worker.Name}", Must(m, "cat /root/.ssh/authorized_keys /etc/ssh/ssh_known_hosts"));
        Assert.True(On(Worker, "test ! -e /etc/mvm/migration").Exit == 0, "the decommissioned host kept its migration key");

        // 7. The cluster refuses to go while its pool holds VM disks (naming them); without them it is destroyed.
        foreach (var m in ClusterMachines)
            Must(m, "for d in $(virsh list --all --name); do virsh destroy $d >/dev/null 2>&1; virsh undefine $d; done; true");
        var kept = await TimedAsync("destroy refused (disks left)", e => e.DestroyAsync(), expectSuccess: false);
        Assert.Contains("still holds images in vms: mt-off, mt-run, mt-run2", kept.Transcript);
        Must(Machine(Machines[0]), "for i in mt-off mt-run mt-run2; do rbd rm --no-progress vms/$i; done");
        await TimedAsync("destroy", e => e.DestroyAsync());
        output.WriteLine("figures:\n  " + string.Join("\n  ", _figures));
    }

    public void Dispose()
    {
        LabHostReset.Reset(lab, Machines);
        _program.Dispose();
    }
}
