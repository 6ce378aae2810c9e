using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Mvm.Cluster;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Values;
using Mvm.Resources.Shared;
using Mvm.Tests.Lab.Tools;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// OvsVlan through its whole life on h4 and h5, applied by the built plugin driven the way the
/// engine drives it. The test stands in for MvmCluster (built in parallel): it installs Open
/// vSwitch and libvirt and creates the cluster's bridge br-mvm (userspace datapath, eth2 as its
/// trunk), then hands the provider a standard-layout connect string naming the two hosts.
/// Every step is checked on the hosts with virsh and ovs-vsctl.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class OvsVlanLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private const int Vlan = 345;
    private const string Bridge = "br-mvm";
    private const string Network = "mvm-vlan345";
    private const string Domain = "mvmt-vlan-user";
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("mvm-lab-ovsvlan-").FullName;
    private readonly string _importDir = Directory.CreateTempSubdirectory("mvm-lab-ovsvlan-import-").FullName;

    private LabHost H4 => lab.Hosts.Single(h => h.Name == "h4");
    private LabHost H5 => lab.Hosts.Single(h => h.Name == "h5");
    private IEnumerable<LabHost> Both => [H4, H5];


    private static string PluginPath => LabProgram.PluginPath;

    private string ConnectString => Mvm.Cluster.ConnectString.Encode(new ClusterInfo
    {
        Name = "lab45",
        Layout = "standard",
        DomainType = "qemu",
        OvsDatapath = "netdev",
        Hosts = [.. Both.Select(h => new MemberHost { Name = h.Name, Address = h.Management })],
    });

    private string Program(string name) => $$"""
        name: ovsvlan-lab
        runtime: yaml
        config:
          connectString:
            type: string
            secret: true
        resources:
          web:
            type: mvm:index:OvsVlan
            properties:
              connectString: ${connectString}
              name: {{name}}
              vlanId: {{Vlan}}
        outputs:
          hosts: ${web.hosts}
          usedBy: ${web.usedBy}
        """;

    private string StackConfig(bool import = false) => $"""
        config:
          mvm:sshUser: root
          mvm:sshPrivateKeyFile: {lab.PrivateKeyFile}
          mvm:knownHostsFile: {Path.Combine(lab.OutDir, "known_hosts")}
          ovsvlan-lab:connectString:
            secret: {ConnectString}
        {(import ? $"  mvm:importConnectString:\n    secret: {ConnectString}\n" : "")}
        """;

    private void WriteProgram(string dir, string name, bool import = false)
    {
        File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), Program(name));
        File.WriteAllText(Path.Combine(dir, "Pulumi.lab.yaml"), StackConfig(import));
    }

    private static Task<Engine> EngineAsync(string dir) => Engine.StartAsync(new EngineOptions
    {
        ProgramDirectory = dir,
        Stack = "lab",
        PluginPath = PluginPath,
        RpcTimeout = TimeSpan.FromMinutes(5),
    });

    private (int Exit, string Output) Virsh(LabHost h, params string[] args) => lab.Exec(h, ["env", "LC_ALL=C", "virsh", "-c", "qemu:///system", .. args]);

    private (int Exit, string Output) Ovs(LabHost h, params string[] args) => lab.Exec(h, ["ovs-vsctl", .. args]);

    /// <summary>The port groups of the network's persistent and live definitions on a host, e.g. `web/345`.</summary>
    private (string Persistent, string Live) PortGroups(LabHost h)
    {
        static string Of((int Exit, string Output) r) =>
            r.Exit != 0 ? "missing" : string.Join(",", NetworkXml.Parse(r.Output).PortGroups.Select(p => $"{p.Name}/{p.VlanTag}"));
        return (Of(Virsh(h, "net-dumpxml", "--network", Network, "--inactive")), Of(Virsh(h, "net-dumpxml", "--network", Network)));
    }

    private async Task PrepareHostsAsync()
    {
        await using var transport = new SshTransport();
        await Task.WhenAll(Both.Select(async h =>
        {
            var host = transport.Host(lab.Target(h));
            await LibvirtLabSetup.EnsureAsync(host);
            await new Systemd(host).EnableAsync("openvswitch-switch.service", now: true, T, default);
            var ovs = new OvsVsctl(host);
            await ovs.AddBridgeAsync(Bridge, "netdev", T, default);
            await ovs.AddPortAsync(Bridge, "eth2", new OvsPortSettings(), T, default);
        }));
        // A clean start after an aborted run.
        foreach (var h in Both)
        {
            Virsh(h, "undefine", "--domain", Domain);
            Virsh(h, "net-destroy", "--network", Network);
            Virsh(h, "net-undefine", "--network", Network);
            Ovs(h, "--if-exists", "remove", "Bridge", Bridge, "external_ids", "mvm-vlan-" + Vlan);
        }
    }

    private static StepRecord Step(DeploymentResult r) => r.Steps.Single(s => s.Name == "web" && !s.IsProvider);

    private static IReadOnlyList<string> List(DeploymentResult r, string output) =>
        r.Outputs.Fields.TryGetValue(output, out var v) ? v.ListValue.Values.Select(x => x.StringValue).ToList() : [];

    [Fact]
    public async Task LivesOnEveryHostRenamesInPlaceShowsDriftImportsAndRefusesDeletionWhileUsed()
    {
        Assert.True(File.Exists(PluginPath), $"plugin not built at {PluginPath}: run make plugin");
        await PrepareHostsAsync();
        WriteProgram(_dir, "web");
        await using var engine = await EngineAsync(_dir);

        // up: the network and the bridge label on both hosts.
        var up = await engine.UpAsync();
        Assert.True(up.Succeeded, up.Transcript);
        Assert.Equal(StepOp.Create, Step(up).Op);
        Assert.Equal(Vlan.ToString(), Step(up).Id);
        Assert.Equal(["h4", "h5"], List(up, "hosts"));
        foreach (var h in Both)
        {
            var xml = NetworkXml.Parse(Virsh(h, "net-dumpxml", "--network", Network).Output);
            Assert.Equal(("bridge", Bridge, "openvswitch"), (xml.ForwardMode, xml.Bridge, xml.VirtualPortType));
            Assert.Equal(new PortGroupSpec("web", Vlan, true), Assert.Single(xml.PortGroups));
            var info = Virsh(h, "net-info", "--network", Network).Output;
            Assert.Matches(@"Active:\s+yes", info);
            Assert.Matches(@"Autostart:\s+yes", info);
            Assert.Equal("web", Ovs(h, "get", "Bridge", Bridge, "external_ids:mvm-vlan-" + Vlan).Output.Trim().Trim('"'));
        }
        var uuid = Virsh(H4, "net-uuid", Network).Output.Trim();
        var secretPlain = StateJson.FindPlaintext(JsonNode.Parse(File.ReadAllText(engine.StatePath))!, ConnectString);
        Assert.Empty(secretPlain);

        // A second up changes nothing.
        var same = await engine.UpAsync();
        Assert.True(same.Succeeded, same.Transcript);
        Assert.Equal(StepOp.Same, Step(same).Op);

        // Rename: the same network, its port group renamed live and persistently, no replacement.
        WriteProgram(_dir, "frontend");
        var renamed = await engine.UpAsync();
        Assert.True(renamed.Succeeded, renamed.Transcript);
        Assert.Equal(StepOp.Update, Step(renamed).Op);
        foreach (var h in Both)
        {
            Assert.Equal(($"frontend/{Vlan}", $"frontend/{Vlan}"), PortGroups(h));
            Assert.Equal("frontend", Ovs(h, "get", "Bridge", Bridge, "external_ids:mvm-vlan-" + Vlan).Output.Trim().Trim('"'));
        }
        Assert.Equal(uuid, Virsh(H4, "net-uuid", Network).Output.Trim());

        // Drift made by hand: the network removed from h5, and the port group renamed on h4.
        Assert.Equal(0, Virsh(H5, "net-destroy", "--network", Network).Exit);
        Assert.Equal(0, Virsh(H5, "net-undefine", "--network", Network).Exit);
        var handXml = Virsh(H4, "net-dumpxml", "--network", Network, "--inactive").Output.Replace("name='frontend'", "name='byhand'", StringComparison.Ordinal);
        await using (var transport = new SshTransport())
            await new Virsh(transport.Host(lab.Target(H4))).NetDefineAsync(handXml);
        var refreshed = await engine.RefreshAsync();
        Assert.True(refreshed.Succeeded, refreshed.Transcript);
        var drift = Step(refreshed);
        output.WriteLine("refresh changes: " + string.Join(", ", drift.Changes));
        Assert.Contains(drift.Changes, c => c.Path == "name");
        Assert.Contains(drift.Changes, c => c.Path == "hosts");
        var refreshedHosts = drift.Outputs!.Fields["hosts"].ListValue.Values.Select(v => v.StringValue).ToList();
        Assert.Equal(["h4"], refreshedHosts);
        Assert.Equal("byhand", drift.Outputs.Fields["name"].StringValue);

        // The next up puts both hosts back as declared.
        var repaired = await engine.UpAsync();
        Assert.True(repaired.Succeeded, repaired.Transcript);
        Assert.Equal(StepOp.Update, Step(repaired).Op);
        foreach (var h in Both) Assert.Equal(($"frontend/{Vlan}", $"frontend/{Vlan}"), PortGroups(h));
        Assert.Equal(["h4", "h5"], List(repaired, "hosts"));

        // Import by id into a fresh stack: the program then has nothing to change.
        WriteProgram(_importDir, "frontend", import: true);
        await using (var fresh = await EngineAsync(_importDir))
        {
            var imported = await fresh.ImportAsync("mvm:index:OvsVlan", "web", Vlan.ToString(), protect: false);
            Assert.True(imported.Succeeded, imported.Transcript);
            var preview = await fresh.PreviewAsync();
            Assert.True(preview.Succeeded, preview.Transcript);
            Assert.Equal(StepOp.Same, Step(preview).Op);
        }

        // A VM with a NIC on the network (defined, not started) blocks destroy, named with its host.
        var domainXml = $"<domain type='qemu'><name>{Domain}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>" +
                        $"<devices><interface type='network'><source network='{Network}'/><model type='virtio'/></interface></devices></domain>";
        await using (var transport = new SshTransport())
            await new Virsh(transport.Host(lab.Target(H4))).DefineAsync(domainXml);
        var refused = await engine.DestroyAsync();
        Assert.False(refused.Succeeded, refused.Transcript);
        Assert.Contains($"{Domain}@h4", refused.Error + refused.Transcript);
        foreach (var h in Both) Assert.Equal(0, Virsh(h, "net-info", "--network", Network).Exit);

        // Without the VM, destroy removes the network and the label everywhere.
        Assert.Equal(0, Virsh(H4, "undefine", "--domain", Domain).Exit);
        var destroyed = await engine.DestroyAsync();
        Assert.True(destroyed.Succeeded, destroyed.Transcript);
        foreach (var h in Both)
        {
            Assert.Contains("Network not found", Virsh(h, "net-info", "--network", Network).Output);
            Assert.DoesNotContain("mvm-vlan-" + Vlan, Ovs(h, "get", "Bridge", Bridge, "external_ids").Output);
        }
    }

    public void Dispose()
    {
        foreach (var h in Both)
        {
            try { Virsh(h, "undefine", "--domain", Domain); } catch (Exception) { }
        }
        foreach (var d in new[] { _dir, _importDir })
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }
}
