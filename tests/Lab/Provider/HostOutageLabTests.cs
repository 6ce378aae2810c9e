using Google.Protobuf.WellKnownTypes;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Issue 12, defects 1 and 5, on a 3-host HCI cluster of the lab (h5-h7, or MVM_LAB_VM_HOSTS):
/// with an OvsVlan and a VM on the third host, sshd is stopped there. Refresh must not drop the
/// running VM (its Read fails naming the host and state keeps it), the OvsVlan reports the host
/// unreachable and out of sync, and the cluster's outputs change to say the host is unreachable.
/// With sshd back, refresh brings everything back and the next preview has nothing to do; the
/// VM and VLAN then go, and destroy leaves the hosts clean. The VM boots no image (a blank disk):
/// only its domain matters here.
/// </summary>
[Collection("lab")]
public sealed class HostOutageLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private readonly LabProgram _program = new("mvm-lab-outage-");

    private readonly VmLabCluster _cluster = new(lab, "host outage test");

    private static string[] Machines => VmLabCluster.Machines;

    private LabHost Machine(string name) => _cluster.Machine(name);

    private (int Exit, string Output) On(string host, string command) => _cluster.On(host, command);

    private string Program(bool withVm) => _cluster.Program("mvm-outage", "outlab") + $$"""
        {{(withVm ? VmAndVlan : "")}}
        """;

    private static string VmAndVlan => $$"""
          web:
            type: mvm:index:OvsVlan
            properties:
              connectString: ${cluster.connectString}
              name: web
              vlanId: 23
          vmo:
            type: mvm:index:VirtualMachine
            properties:
              connectString: ${cluster.connectString}
              name: vmo
              host: {{Machines[2]}}
              vcpus: 1
              memoryMiB: 128
              disks:
                - name: boot
                  sizeGiB: 1
              networkInterfaces:
                - name: lan
                  vlan: ${web.name}

        """;

    private async Task<DeploymentResult> RunAsync(string what, Func<Mvm.EngineHarness.Engine, Task<DeploymentResult>> op, bool expectSuccess = true)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = await _program.RunAsync(op);
        output.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:0.0} s{(r.Succeeded ? "" : " (failed, as expected)")}");
        if (expectSuccess) Assert.True(r.Succeeded, $"{what} failed:\n{r.Transcript}");
        return r;
    }

    private static Value? Output(Struct outputs, string name)
    {
        if (!outputs.Fields.TryGetValue(name, out var v)) return null;
        return v.KindCase == Value.KindOneofCase.StructValue && v.StructValue.Fields.TryGetValue("value", out var inner) ? inner : v;
    }

    private static Struct Outputs(DeploymentResult r, string resource) =>
        r.State.Resources.Single(x => x.Name == resource && !x.Type.StartsWith("pulumi:", StringComparison.Ordinal)).Outputs;

    private static List<string> Strings(Struct outputs, string name) =>
        Output(outputs, name) is { KindCase: Value.KindOneofCase.ListValue } l ? l.ListValue.Values.Select(v => v.StringValue).ToList() : [];

    private static string? HostState(Struct clusterOutputs, string host) =>
        Output(clusterOutputs, "hostStates")?.ListValue.Values.Select(v => v.StructValue)
            .Single(s => s.Fields["name"].StringValue == host).Fields["state"].StringValue;

    [Fact]
    public async Task ARefreshWithAHostDownKeepsItsVmAndShowsTheHostAsDriftThenRecovers()
    {
        _cluster.AssertBare();
        var lost = Machines[2];

        _program.Write(Program(withVm: true), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        var created = await RunAsync("create cluster, VLAN and a VM on " + lost, e => e.UpAsync());
        var uuid = On(lost, "virsh domuuid vmo").Output.Trim();
        Assert.Equal(uuid, LabProgram.OutputOf(created, "vmo", "uuid"));

        // sshd stops on the VM's host and its sessions are killed; the VM keeps running.
        DeploymentResult down;
        try
        {
            var stop = On(lost, "systemctl stop ssh.socket ssh.service 2>/dev/null; pkill -KILL -x sshd; true");
            Assert.True(stop.Exit == 0, stop.Output);
            down = await RunAsync($"refresh with sshd stopped on {lost}", e => e.RefreshAsync(), expectSuccess: false);
        }
        finally
        {
            lab.Exec(Machine(lost), "systemctl", "start", "ssh");
        }
        output.WriteLine(string.Join("\n", down.Transcript.Split('\n').Where(l => l.Contains(lost, StringComparison.Ordinal)).Take(8)));

        // 1. The VM is not dropped: its Read fails naming the host, and state keeps it as it was.
        Assert.False(down.Succeeded, "refresh succeeded although the VM's host could not be asked:\n" + down.Transcript);
        Assert.Contains($"{lost} could not be asked", down.Error);
        Assert.Contains("not reported gone", down.Error);
        Assert.Equal(uuid, LabProgram.OutputOf(down, "vmo", "uuid"));
        Assert.Equal("running", LabProgram.OutputOf(down, "vmo", "state"));
        Assert.Equal("running", On(lost, "virsh domstate vmo").Output.Trim());

        // 5. The OvsVlan reports the host instead of failing; the cluster's outputs say it is unreachable, a change refresh shows.
        var web = Outputs(down, "web");
        Assert.Equal([lost], Strings(web, "unreachableHosts"));
        Assert.Contains(lost, Strings(web, "outOfSyncHosts"));
        Assert.Equal(Machines[..2], Strings(web, "hosts"));
        var clusterStep = down.Steps.Single(s => s.Name == "cluster" && s.Op == StepOp.Refresh);
        Assert.Equal("ready", HostState(clusterStep.OldOutputs!, lost));
        Assert.Equal("unreachable", HostState(clusterStep.Outputs!, lost));

        // sshd back: refresh sees everything as it is, and the next preview has nothing to do.
        await LabFixture.WaitForSshAsync(Machine(lost), TimeSpan.FromSeconds(30));
        var back = await RunAsync("refresh with sshd back", e => e.RefreshAsync());
        Assert.Equal(uuid, LabProgram.OutputOf(back, "vmo", "uuid"));
        Assert.Equal(lost, LabProgram.OutputOf(back, "vmo", "currentHost"));
        Assert.Empty(Strings(Outputs(back, "web"), "unreachableHosts"));
        Assert.Empty(Strings(Outputs(back, "web"), "outOfSyncHosts"));
        Assert.Equal("ready", HostState(Outputs(back, "cluster"), lost));
        var preview = await RunAsync("preview after recovery", e => e.PreviewAsync());
        Assert.True(preview.Steps.All(s => s.Op == StepOp.Same), "preview after recovery is not empty:\n" + preview.Transcript);

        // The VM and the VLAN go, leaving no domain, disk image or network; then destroy leaves bare hosts.
        // A blank-disk guest has no OS to act on ACPI: it is powered off by hand first, so the
        // delete does not sit out its 60 s shutdown wait.
        Assert.Equal(0, On(lost, "virsh destroy vmo").Exit);
        _program.Write(Program(withVm: false), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        await RunAsync("remove the VM and the VLAN", e => e.UpAsync());
        Assert.DoesNotContain("vmo", On(Machines[0], "rbd ls vms").Output);
        foreach (var m in Machines)
        {
            Assert.Equal("", On(m, "virsh list --all --name").Output.Trim());
            Assert.DoesNotContain("mvm-vlan23", On(m, "virsh net-list --all --name").Output);
        }
        await RunAsync("destroy", e => e.DestroyAsync());
        foreach (var m in Machines)
        {
            Assert.Equal("", On(m, "virsh list --all --name").Output.Trim());
            Assert.True(On(m, "test ! -e /etc/ceph/ceph.conf && ! ovs-vsctl br-exists br-mvm").Exit == 0, $"{m} still carries the cluster after destroy");
        }
    }

    public void Dispose()
    {
        lab.Exec(Machine(Machines[2]), "systemctl", "start", "ssh");
        LabHostReset.Reset(lab, Machines);
        _program.Dispose();
    }
}
