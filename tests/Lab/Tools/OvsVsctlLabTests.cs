using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// The OvsVsctl client on h1's real Open vSwitch (installed by the Apt client): a userspace
/// (netdev) bridge, since the lab kernel has no OVS datapath, with an access port and a trunk,
/// read back as records and checked with ovs-vsctl and ip on the host.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class OvsVsctlLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);
    private const string Bridge = "mvmt-br0";
    private const string Access = "mvmt-v10";
    private const string Trunk = "mvmt-trunk";

    // Structure characters of ovs-vsctl's own value syntax, JSON escapes, shell metacharacters and non-ASCII.
    private const string Hostile = "compute, 10=ten \"q\" {x} [y] 'z' grüße $(id) `id` \\ end";

    private (int Exit, string Output) Ovs(params string[] args) => lab.Exec(lab.H1, ["ovs-vsctl", .. args]);

    [Fact]
    public async Task CreatesANetdevBridgeWithTaggedAndTrunkPortsAndReadsThemBack()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        await LabPackages.EnsureAsync(host, output);
        await new Systemd(host).EnableAsync("openvswitch-switch.service", now: true, T, default);
        var ovs = new OvsVsctl(host);
        await ovs.DeleteBridgeAsync(Bridge, ifExists: true, T, default); // a clean start after an aborted run
        try
        {
            await ovs.AddBridgeAsync(Bridge, "netdev", T, default, new Dictionary<string, string> { ["mvm-owner"] = "lab-test" });
            await ovs.AddPortAsync(Bridge, Access, new OvsPortSettings
            {
                Tag = 10, InterfaceType = "internal", ExternalIds = new Dictionary<string, string> { ["mvm-vlan"] = Hostile },
            }, T, default);
            await ovs.AddPortAsync(Bridge, Trunk, new OvsPortSettings { Trunks = [10, 20, 30], VlanMode = "trunk", InterfaceType = "internal" }, T, default);

            // On the host, through ovs-vsctl's own text output and the kernel's view.
            Assert.Equal("netdev", Ovs("get", "Bridge", Bridge, "datapath_type").Output.Trim());
            Assert.Equal("10", Ovs("get", "Port", Access, "tag").Output.Trim());
            Assert.Equal("[10, 20, 30]", Ovs("get", "Port", Trunk, "trunks").Output.Trim());
            Assert.Equal(Hostile, JsonSerializer.Deserialize<string>(Ovs("get", "Port", Access, "external_ids:mvm-vlan").Output.Trim()));
            Assert.Equal(0, lab.Exec(lab.H1, "ip", "link", "show", Access).Exit);

            // The same through the client's records.
            var detail = await ovs.GetBridgeAsync(Bridge, T, default);
            Assert.Equal(("netdev", "lab-test"), (detail.Bridge.DatapathType, detail.Bridge.ExternalIds["mvm-owner"]));
            // Every port, the bridge's own internal one included, in name order.
            Assert.Equal([Bridge, Trunk, Access], detail.Ports.Select(p => p.Port.Name));
            var access = detail.FindPort(Access)!;
            Assert.Equal((10, Hostile), (access.Port.Tag, access.Port.ExternalIds["mvm-vlan"]));
            Assert.Equal(("internal", null), (access.Interfaces.Single().Type, access.Interfaces.Single().Error));
            Assert.True(access.Interfaces.Single().OfPort > 0);
            var trunk = detail.FindPort(Trunk)!.Port;
            Assert.Equal([10, 20, 30], trunk.Trunks);
            Assert.Equal(("trunk", (int?)null), (trunk.VlanMode, trunk.Tag));

            Assert.Contains(Bridge, await ovs.ListBridgesAsync(T, default));
            Assert.Equal([Trunk, Access], (await ovs.ListPortsAsync(Bridge, T, default)).Order(StringComparer.Ordinal));
            Assert.True(await ovs.BridgeExistsAsync(Bridge, T, default));
            Assert.Contains(await ovs.ListBridgeRecordsAsync(T, default), b => b.Name == Bridge && b.PortUuids.Count == 3);
            Assert.Equal(Access, Assert.Single(await ovs.FindPortsByExternalIdAsync("mvm-vlan", Hostile, T, default)).Name);
            Assert.Equal(access.Port.Uuid, (await ovs.GetPortAsync(Access, T, default)).Uuid);
            Assert.Equal("internal", (await ovs.GetInterfaceAsync(Trunk, T, default)).Type);

            // Idempotent: the same calls again change nothing; a changed VLAN converges in place.
            await ovs.AddBridgeAsync(Bridge, "netdev", T, default);
            await ovs.AddPortAsync(Bridge, Access, new OvsPortSettings { Tag = 20, InterfaceType = "internal" }, T, default);
            Assert.Equal("20", Ovs("get", "Port", Access, "tag").Output.Trim());
            var again = await ovs.GetBridgeAsync(Bridge, T, default);
            Assert.Equal(detail.Bridge.Uuid, again.Bridge.Uuid);
            Assert.Equal(access.Port.Uuid, again.FindPort(Access)!.Port.Uuid);
            Assert.Equal(3, again.Ports.Count);
            Assert.Equal(Access, Assert.Single(await ovs.FindPortsByTagAsync(20, T, default), p => p.Name == Access).Name);
            // From trunk back to access: the old trunks and mode are cleared, not left behind.
            await ovs.AddPortAsync(Bridge, Trunk, new OvsPortSettings { Tag = 30, InterfaceType = "internal" }, T, default);
            Assert.Equal(("30", "[]", "[]"), (Ovs("get", "Port", Trunk, "tag").Output.Trim(), Ovs("get", "Port", Trunk, "trunks").Output.Trim(),
                Ovs("get", "Port", Trunk, "vlan_mode").Output.Trim()));

            await ovs.DeletePortAsync(Trunk, Bridge, ifExists: false, T, default);
            Assert.Equal([Access], await ovs.ListPortsAsync(Bridge, T, default));
            await ovs.DeletePortAsync(Trunk, null, ifExists: true, T, default);
        }
        finally
        {
            await ovs.DeleteBridgeAsync(Bridge, ifExists: true, T, default);
        }
        Assert.Equal(2, Ovs("br-exists", Bridge).Exit);
        Assert.NotEqual(0, lab.Exec(lab.H1, "ip", "link", "show", Access).Exit);
        Assert.False(await ovs.BridgeExistsAsync(Bridge, T, default));
    }

    [Fact]
    public async Task MissingBridgesAndPortsAreObjectNotFound()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        await LabPackages.EnsureAsync(host, output);
        await new Systemd(host).EnableAsync("openvswitch-switch.service", now: true, T, default);
        var ovs = new OvsVsctl(host);

        async Task NotFound(Func<Task> call, string kind, string name)
        {
            var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
            output.WriteLine(e.Message);
            Assert.Equal((kind, name, "h1"), (e.Kind, e.Name, e.HostName));
        }
        await NotFound(() => ovs.DeleteBridgeAsync("mvmt-nobr", false, T, default), "bridge", "mvmt-nobr");
        await NotFound(() => ovs.DeletePortAsync("mvmt-noport", null, false, T, default), "port", "mvmt-noport");
        await NotFound(() => ovs.AddPortAsync("mvmt-nobr", "mvmt-p", new OvsPortSettings { Tag = 5 }, T, default), "bridge", "mvmt-nobr");
        await NotFound(() => ovs.ListPortsAsync("mvmt-nobr", T, default), "bridge", "mvmt-nobr");
        await NotFound(() => ovs.GetBridgeAsync("mvmt-nobr", T, default), "bridge", "mvmt-nobr");
        await NotFound(() => ovs.GetPortAsync("mvmt-noport", T, default), "port", "mvmt-noport");
        await NotFound(() => ovs.GetInterfaceAsync("mvmt-noport", T, default), "interface", "mvmt-noport");

        // --if-exists makes the deletes succeed, and nothing was created along the way.
        await ovs.DeleteBridgeAsync("mvmt-nobr", true, T, default);
        await ovs.DeletePortAsync("mvmt-noport", null, true, T, default);
        Assert.Equal(1, Ovs("port-to-br", "mvmt-p").Exit);
    }
}
