using Mvm.Cluster;
using Mvm.Framework.Config;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.OvsVlan;
using Mvm.Resources.Shared;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Vlans;

/// <summary>
/// OvsVlan's create/read/update/delete on two simulated hosts (<see cref="VlanHostSimulator"/>,
/// answering with libvirt 9.0 / OVS 3.1 wording), asserting on what the hosts end up with.
/// </summary>
public sealed class OvsVlanTests
{
    private const string Bridge = "br-mvm";
    private readonly VlanHostSimulator _h1 = new VlanHostSimulator("h1").WithBridge(Bridge);
    private readonly VlanHostSimulator _h2 = new VlanHostSimulator("h2").WithBridge(Bridge);
    private readonly OvsVlan _resource = new();

    private sealed class Connector(params VlanHostSimulator[] hosts) : IHostConnector
    {
        public IHost Connect(SshHostSettings host, string name) => hosts.Single(h => h.Name == name);
    }

    private static string ConnectString(params int[] computeVlans) => Mvm.Cluster.ConnectString.Encode(new ClusterInfo
    {
        Name = "lab",
        Layout = "standard",
        Hosts = [new MemberHost { Name = "h1", Address = "10.0.0.11" }, new MemberHost { Name = "h2", Address = "10.0.0.12" }],
        ComputeVlanIds = [.. computeVlans],
    });

    private OperationContext Ctx(string operation = "create", ProviderConfig? config = null) =>
        new(operation, "mvm:index:OvsVlan", "web", "urn:pulumi:s::p::mvm:index:OvsVlan::web", false, config ?? new ProviderConfig(),
            new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new Connector(_h1, _h2));

    private static ObjectProperty Inputs(string name = "web", int vlan = 22, string? connect = null) =>
        CheckHelpers.Obj(("connectString", CheckHelpers.Secret(connect ?? ConnectString())), ("name", name), ("vlanId", vlan), ("bridge", Bridge));

    private static string ClusterNetwork(int vlan) =>
        VlanHostSimulator.Fixture("Virsh", "virsh-9.0.0-net-dumpxml-ovs-portgroup.xml")
            .Replace("mvm-vlan22", $"mvm-vlan{vlan}", StringComparison.Ordinal).Replace("'web2'", $"'vlan{vlan}'", StringComparison.Ordinal)
            .Replace("id='22'", $"id='{vlan}'", StringComparison.Ordinal);

    private static IReadOnlyList<string> Strings(ObjectProperty o, string key) =>
        ((ArrayProperty)o[key]!.Unsecret()).Items.Select(i => ((StringProperty)i).Value).ToList();

    private static string Str(ObjectProperty o, string key) => ((StringProperty)o[key]!.Unsecret()).Value;

    private static (string Persistent, string? Live) PortGroups(VlanHostSimulator h, string net = "mvm-vlan22")
    {
        var n = h.Networks[net];
        static string Of(System.Xml.Linq.XElement e) => string.Join(",", e.Elements("portgroup").Select(p =>
            $"{p.Attribute("name")!.Value}/{p.Element("vlan")?.Element("tag")?.Attribute("id")?.Value}{(p.Attribute("default")?.Value == "yes" ? "*" : "")}"));
        return (Of(n.Persistent), n.Live is null ? null : Of(n.Live));
    }

    [Fact]
    public async Task CreateDefinesStartsAndLabelsOnEveryHostInTwoRoundTripsEachPlusTheReadBack()
    {
        var (id, outputs) = await _resource.CreateAsync(Inputs(), Ctx());

        Assert.Equal("22", id);
        foreach (var h in new[] { _h1, _h2 })
        {
            var net = h.Networks["mvm-vlan22"];
            Assert.True(net.Active && net.Autostart && net.IsPersistent);
            Assert.Equal(("web/22*", "web/22*"), PortGroups(h));
            Assert.Equal(Bridge, net.Persistent.Element("bridge")!.Attribute("name")!.Value);
            Assert.Equal("openvswitch", net.Persistent.Element("virtualport")!.Attribute("type")!.Value);
            Assert.Equal("web", h.Bridges[Bridge]["mvm-vlan-22"]);
            // read (no domains: one trip), change, read back.
            Assert.Equal(3, h.RoundTrips);
        }
        Assert.Equal(["h1", "h2"], Strings(outputs, "hosts"));
        Assert.Empty(Strings(outputs, "outOfSyncHosts"));
        Assert.Equal("mvm-vlan22", Str(outputs, "networkName"));
        Assert.True(outputs["connectString"]!.IsSecret);
    }

    [Fact]
    public async Task CreateAdoptsTheClustersComputeVlanNetworkKeepingItsUuid()
    {
        _h1.WithNetwork(ClusterNetwork(22));
        var uuid = _h1.Networks["mvm-vlan22"].Persistent.Element("uuid")!.Value;

        await _resource.CreateAsync(Inputs(), Ctx());

        Assert.Equal(uuid, _h1.Networks["mvm-vlan22"].Persistent.Element("uuid")!.Value);
        Assert.Equal(("web/22*", "web/22*"), PortGroups(_h1));
        Assert.Equal(("web/22*", "web/22*"), PortGroups(_h2));
        // Renamed in place: the running network was never stopped.
        Assert.DoesNotContain(_h1.Commands, c => c.Contains("net-destroy"));
    }

    [Fact]
    public async Task CreateWithoutTheClustersBridgeOnAHostFailsNamingItBeforeChangingAnything()
    {
        _h2.Bridges.Clear();

        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => _resource.CreateAsync(Inputs(), Ctx()));

        Assert.Contains("OVS bridge br-mvm does not exist on h2", e.Message);
        Assert.Contains("the cluster's bridge is missing", e.Message);
        Assert.Empty(_h1.Networks);
        Assert.Empty(_h1.Bridges[Bridge]);
    }

    [Fact]
    public async Task CreateRefusesAVlanAnotherOvsVlanHolds()
    {
        _h1.WithNetwork(ClusterNetwork(22)).Bridges[Bridge]["mvm-vlan-22"] = "db";

        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => _resource.CreateAsync(Inputs(), Ctx()));

        Assert.Contains("port group \"db\" of another OvsVlan", e.Message);
        Assert.Equal(("vlan22/22*", "vlan22/22*"), PortGroups(_h1));
    }

    [Fact]
    public async Task AHostFailingMidwayStillPutsTheResourceInStateWithWhatExists()
    {
        _h2.FailOn = ("net-start", "error: Failed to start network mvm-vlan22\nerror: internal error: Unable to add bridge br-mvm port vnet0\n");

        var e = await Assert.ThrowsAsync<ResourceInitFailedException>(() => _resource.CreateAsync(Inputs(), Ctx()));

        Assert.Equal("22", e.Id);
        Assert.Contains("h2", e.Message);
        Assert.Contains("Unable to add bridge", e.Message);
        var state = (ObjectProperty)e.State;
        Assert.Equal(["h1", "h2"], Strings(state, "hosts"));
        Assert.Equal(["h2"], Strings(state, "outOfSyncHosts"));
    }

    [Fact]
    public async Task RenameChangesThePortGroupLiveAndPersistentlyWithoutRestartingTheNetwork()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        var news = Inputs(name: "frontend");
        var diff = _resource.Diff("web", id, Inputs(), created, news);
        Assert.False(diff.Replaces);

        var updated = await _resource.UpdateAsync(id, created, Inputs(), news, diff, Ctx("update"));

        foreach (var h in new[] { _h1, _h2 })
        {
            Assert.Equal(("frontend/22*", "frontend/22*"), PortGroups(h));
            Assert.Equal("frontend", h.Bridges[Bridge]["mvm-vlan-22"]);
            Assert.DoesNotContain(h.Commands, c => c.Contains("net-destroy"));
        }
        Assert.Equal("frontend", Str(updated, "name"));
    }

    [Fact]
    public async Task RefreshReportsAHandMadeRenameAsNameAndAMissingHostAsOutOfSyncAndTheNextDiffUpdates()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h2.Networks.Remove("mvm-vlan22");
        _h1.Networks["mvm-vlan22"].Persistent.Element("portgroup")!.SetAttributeValue("name", "byhand");

        var read = await _resource.ReadAsync(id, created, Inputs(), Ctx("read"));

        var (outputs, inputs) = read!.Value;
        Assert.Equal("byhand", Str(inputs, "name"));
        Assert.Equal(["h1"], Strings(outputs, "hosts"));
        Assert.Equal(["h1", "h2"], Strings(outputs, "outOfSyncHosts"));
        // The program still says `web`: the next up updates, and the update repairs both hosts.
        var diff = _resource.Diff("web", id, inputs, outputs, Inputs());
        Assert.Contains("name", diff.Entries.Keys);
        Assert.Contains("hosts", diff.Entries.Keys);
        Assert.False(diff.Replaces);
        await _resource.UpdateAsync(id, outputs, inputs, Inputs(), diff, Ctx("update"));
        Assert.Equal(("web/22*", "web/22*"), PortGroups(_h1));
        Assert.Equal(("web/22*", "web/22*"), PortGroups(_h2));
    }

    [Fact]
    public async Task AHostMissingOnlyTheNetworkStillMakesTheNextDiffAnUpdate()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h2.Networks.Remove("mvm-vlan22");

        var (outputs, inputs) = (await _resource.ReadAsync(id, created, Inputs(), Ctx("read")))!.Value;

        Assert.Equal(DiffKind.Update, Assert.Single(_resource.Diff("web", id, inputs, outputs, Inputs()).Entries).Value);
    }

    // Issue 12, defect 5: with a host down, Read failed outright and hid what the other hosts had.

    [Fact]
    public async Task RefreshWithAHostDownReportsItUnreachableAndOutOfSyncAndTheNextDiffUpdates()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h2.Down = true;

        var (outputs, inputs) = (await _resource.ReadAsync(id, created, Inputs(), Ctx("read")))!.Value;

        Assert.Equal(["h1"], Strings(outputs, "hosts"));
        Assert.Equal(["h2"], Strings(outputs, "unreachableHosts"));
        Assert.Equal(["h2"], Strings(outputs, "outOfSyncHosts"));
        Assert.Equal("web", Str(inputs, "name"));
        Assert.Equal(DiffKind.Update, Assert.Single(_resource.Diff("web", id, inputs, outputs, Inputs()).Entries).Value);

        // Back up and unchanged: nothing unreachable, nothing out of sync, nothing to do.
        _h2.Down = false;
        (outputs, inputs) = (await _resource.ReadAsync(id, outputs, inputs, Ctx("read")))!.Value;
        Assert.Equal(["h1", "h2"], Strings(outputs, "hosts"));
        Assert.Empty(Strings(outputs, "outOfSyncHosts"));
        Assert.False(outputs.Fields.ContainsKey("unreachableHosts"));
        Assert.Empty(_resource.Diff("web", id, inputs, outputs, Inputs()).Entries);
    }

    [Fact]
    public async Task ReadIsNotGoneWhileAHostThatMayHaveTheNetworkIsDown()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h1.Networks.Clear();
        _h2.Down = true;

        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => _resource.ReadAsync(id, created, Inputs(), Ctx("read")));

        Assert.Contains("mvm-vlan22 (VLAN 22) is on none of the hosts that answered (h1), and h2 could not be reached", e.Message);
        Assert.Contains("Connection refused", e.Message);
        Assert.Contains("not reported gone", e.Message);
    }

    [Fact]
    public async Task AHostThatAnswersWithAnErrorStillFailsTheRead()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h2.FailOn = ("net-dumpxml", VlanHostSimulator.Fixture("Virsh", "virsh-9.0.0-libvirtd-down.stderr"));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => _resource.ReadAsync(id, created, Inputs(), Ctx("read")));

        Assert.Contains("libvirt-sock", e.Message);
    }

    [Fact]
    public async Task ReadIsNullWhenTheNetworkIsOnNoHost()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h1.Networks.Clear();
        _h2.Networks.Clear();

        Assert.Null(await _resource.ReadAsync(id, created, Inputs(), Ctx("read")));
    }

    [Fact]
    public async Task ImportByIdReadsTheClusterFromImportConnectStringAndReturnsTheInputs()
    {
        await _resource.CreateAsync(Inputs(), Ctx());
        var config = new ProviderConfig { ImportConnectString = ConnectString() };

        var (outputs, inputs) = (await _resource.ReadAsync("mvm-vlan22", null, null, Ctx("read", config)))!.Value;

        Assert.Equal(("web", Bridge), (Str(inputs, "name"), Str(inputs, "bridge")));
        Assert.Equal(22.0, ((NumberProperty)inputs["vlanId"]!).Value);
        Assert.True(outputs["connectString"]!.IsSecret, "the connect string carries SSH keys: it must stay secret on import");
        var missing = await Assert.ThrowsAsync<PreconditionFailedException>(() => _resource.ReadAsync("22", null, null, Ctx("read")));
        Assert.Contains("mvm:importConnectString", missing.Message);
    }

    [Fact]
    public async Task DeleteRefusesWhileAVmUsesTheNetworkNamingItAndItsHost()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h2.WithDomain("mvmt-vlanuser", VlanHostSimulator.Fixture("Virsh", "virsh-9.0.0-dumpxml-network-nic.xml"));

        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => _resource.DeleteAsync(id, created, Ctx("delete")));

        Assert.Contains("mvmt-vlanuser@h2", e.Message);
        Assert.True(_h1.Networks.ContainsKey("mvm-vlan22") && _h2.Networks.ContainsKey("mvm-vlan22"));
    }

    [Fact]
    public async Task DeleteRemovesTheNetworkAndLabelEverywhereAndSucceedsWhenAlreadyGone()
    {
        var (id, created) = await _resource.CreateAsync(Inputs(), Ctx());
        _h2.Networks.Clear();

        await _resource.DeleteAsync(id, created, Ctx("delete"));

        foreach (var h in new[] { _h1, _h2 })
        {
            Assert.Empty(h.Networks);
            Assert.False(h.Bridges[Bridge].ContainsKey("mvm-vlan-22"));
        }
        await _resource.DeleteAsync(id, created, Ctx("delete"));
    }

    [Fact]
    public async Task DeletingAClusterComputeVlanGivesThePortGroupBackInsteadOfRemovingTheNetwork()
    {
        var connect = ConnectString(22);
        var (id, created) = await _resource.CreateAsync(Inputs(connect: connect), Ctx());
        // A VM on it does not block: the network stays.
        _h1.WithDomain("mvmt-vlanuser", VlanHostSimulator.Fixture("Virsh", "virsh-9.0.0-dumpxml-network-nic.xml"));

        await _resource.DeleteAsync(id, created, Ctx("delete"));

        foreach (var h in new[] { _h1, _h2 })
        {
            Assert.Equal(("vlan22/22*", "vlan22/22*"), PortGroups(h));
            Assert.False(h.Bridges[Bridge].ContainsKey("mvm-vlan-22"));
        }
    }

    [Theory]
    [InlineData("22", 22)]
    [InlineData("mvm-vlan4094", 4094)]
    public void IdsAreTheVlanIdOrItsNetworkName(string id, int vlan) => Assert.Equal(vlan, OvsVlan.ParseId(id));

    [Theory]
    [InlineData("0")]
    [InlineData("4095")]
    [InlineData("web")]
    [InlineData("-1")]
    public void OtherIdsAreRefusedWithTheExpectedForm(string id) =>
        Assert.Contains("use the VLAN id", Assert.Throws<PreconditionFailedException>(() => OvsVlan.ParseId(id)).Message);
}
