using Xunit.Abstractions;
using Mvm.Tests.Lab.Tools;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// The two shipped programs as `make demo` applies them: examples/cluster on three bare lab hosts
/// (h5-h7, or MVM_LAB_EXAMPLE_HOSTS; h3 carries the Ceph tool tests' cluster for the whole run), then examples/vm with the cluster's connectString and the lab's
/// guest image. Both guests boot on their own hosts on the `web` port group, and cloud-init's marker
/// is read back through the guest agent; a second `up` changes nothing; destroy leaves nothing.
/// </summary>
[Collection("lab")]
public sealed class VmExampleLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private readonly LabProgram _cluster = new("mvm-lab-example-cluster-");
    private readonly LabProgram _vms = new("mvm-lab-example-vm-");
    private readonly LabTimer _timer = new(output);
    private readonly SshTransport _transport = new();

    private static string[] Machines =>
        (Environment.GetEnvironmentVariable("MVM_LAB_EXAMPLE_HOSTS") is { Length: > 0 } v ? v : "h5,h6,h7").Split(',');

    private LabHost Machine(string name) => lab.Hosts.SingleOrDefault(h => h.Name == name)
        ?? throw new InvalidOperationException($"the example test needs lab host {name}");

    private static string VmProgram =>
        File.ReadAllText(Path.Combine(LabProgram.RepoRoot, "examples", "vm", "Pulumi.yaml"))
            .Replace("path: ../../provider/bin/plugin", $"path: {Path.GetDirectoryName(LabProgram.PluginPath)}");

    [Fact]
    public async Task TheClusterAndVmExamplesBootTwoGuestsThatRunCloudInit()
    {
        var m = Machines.Select(Machine).ToArray();
        foreach (var h in m)
            Assert.True(lab.Exec(h, "test", "!", "-e", "/etc/ceph/ceph.conf").Exit == 0, $"{h.Name} already carries a Ceph configuration: the test needs bare hosts");
        var (image, _, _) = LabGuestImage.Build(output);

        _cluster.Write(ClusterExample.WithHosts(m.Select(h => (h.Name, h, new[] { "/dev/vdb" })).ToArray()), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));
        var cluster = await _timer.TimedAsync("examples/cluster up", _cluster, e => e.UpAsync());
        var connect = LabProgram.OutputOf(cluster, "cluster", "connectString")!;

        // The stack settings the demo writes: the connect string as a secret, the guest image, two hosts.
        _vms.Write(VmProgram, LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile) +
            $"  mvm-vm:guestImage: {image}\n  mvm-vm:web1Host: {m[0].Name}\n  mvm-vm:web2Host: {m[1].Name}\n  mvm-vm:connectString:\n    secret: \"{connect}\"\n");
        var up = await _timer.TimedAsync("examples/vm up (image and 2 VMs)", _vms, e => e.UpAsync());
        Assert.DoesNotContain(connect, up.Transcript);
        Assert.Equal(m[0].Name, LabProgram.OutputOf(up, "web1", "currentHost"));
        Assert.Equal(m[1].Name, LabProgram.OutputOf(up, "web2", "currentHost"));

        for (var i = 0; i < 2; i++)
        {
            var (vm, h) = ($"web{i + 1}", m[i]);
            // On the network whose default port group is the example's OvsVlan "web", and tagged 22 on the OVS port.
            Assert.Contains("network='mvm-vlan22'", lab.Exec(h, "virsh", "dumpxml", vm).Output);
            Assert.Matches("<portgroup name='web' default='yes'>", lab.Exec(h, "virsh", "net-dumpxml", "mvm-vlan22").Output);
            var port = lab.Exec(h, "bash", "-c", $"virsh domiflist {vm} | awk '/vnet/ {{print $1}}'").Output.Trim();
            Assert.Equal("22", lab.Exec(h, "ovs-vsctl", "get", "port", port, "tag").Output.Trim());
            var virsh = new Virsh(_transport.Host(lab.Target(h)));
            await virsh.WaitForAgentAsync(vm, TimeSpan.FromMinutes(12));
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            string marker;
            while ((marker = (await virsh.GuestExecAsync(vm, ["/bin/sh", "-c", "cat /var/lib/mvm-marker 2>/dev/null || true"], TimeSpan.FromMinutes(1))).StdoutText.Trim()) != $"hello from {vm}")
            {
                Assert.True(DateTime.UtcNow < until, $"{vm}'s cloud-init marker says '{marker}'");
                await Task.Delay(3000);
            }
        }
        _timer.Figures.Add("both guests' markers read back");

        // One VM pool, the one examples/cluster declares: the image and both boot disks are in it, and no other pool was made.
        var inPool = lab.Exec(m[0], "rbd", "ls", "vms").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var rbdImage in new[] { "debian-12", "web1-boot", "web2-boot" }) Assert.Contains(rbdImage, inPool);
        // Ceph's own pool (device_health_metrics on 16.x, .mgr from 17) aside.
        Assert.Equal(["vms"], lab.Exec(m[0], "ceph", "osd", "pool", "ls").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p is not (".mgr" or "device_health_metrics")));

        var again = await _timer.TimedAsync("examples/vm up again", _vms, e => e.UpAsync());
        Assert.All(again.Steps, s => Assert.Equal(Mvm.EngineHarness.Deployment.StepOp.Same, s.Op));

        await _timer.TimedAsync("examples/vm destroy", _vms, e => e.DestroyAsync());
        foreach (var h in m) Assert.Equal("", lab.Exec(h, "virsh", "list", "--all", "--name").Output.Trim());
        Assert.Equal("", lab.Exec(m[0], "rbd", "ls", "vms").Output.Trim());
        await _timer.TimedAsync("examples/cluster destroy", _cluster, e => e.DestroyAsync());
        output.WriteLine("figures:\n  " + string.Join("\n  ", _timer.Figures));
    }

    public void Dispose()
    {
        LabHostReset.Reset(lab, Machines);
        _cluster.Dispose();
        _vms.Dispose();
        _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
