using System.Text.Json;
using Mvm.Tests.Unit.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>OvsVsctl argv, OVSDB JSON table decoding and error mapping, over output captured from ovs-vsctl 3.1.0 on a lab host (Fixtures/OvsVsctl).</summary>
public class OvsVsctlTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "OvsVsctl", name));

    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);

    [Fact]
    public void DecodesABridgeWithItsPortsAndInterfaces()
    {
        var detail = OvsVsctl.BridgeDetail(OvsTable.ParseAll(Fixture("ovs-vsctl-3.1.0-list-bridge-ports-interfaces.json")));
        var br = detail.Bridge;
        Assert.Equal(("f38e78aa-0dda-4b4b-aa11-7a14c3889b3f", "mvmcap0", "netdev", null), (br.Uuid, br.Name, br.DatapathType, br.FailMode));
        Assert.Equal(new Dictionary<string, string> { ["mvm-owner"] = "pulumi" }, br.ExternalIds);
        Assert.Empty(br.OtherConfig);
        Assert.Equal(4, br.PortUuids.Count);
        Assert.Equal(["cap10", "capmissing", "captrunk", "mvmcap0"], detail.Ports.Select(p => p.Port.Name));

        var access = detail.FindPort("cap10")!;
        Assert.Equal((10, null), (access.Port.Tag, access.Port.VlanMode));
        Assert.Empty(access.Port.Trunks);
        // A map value with ',', '=' and a space comes back exactly as it was set.
        Assert.Equal("compute, 10=ten", access.Port.ExternalIds["mvm-vlan"]);
        var iface = Assert.Single(access.Interfaces);
        Assert.Equal(("cap10", "internal", 1, "6a:b4:b1:c1:0f:9d", null), (iface.Name, iface.Type, iface.OfPort, iface.MacInUse, iface.Error));

        var trunk = detail.FindPort("captrunk")!.Port;
        Assert.Equal([10, 20, 30], trunk.Trunks);
        Assert.Equal(("trunk", (int?)null), (trunk.VlanMode, trunk.Tag));

        // A system port whose NIC does not exist: OVS keeps the row and reports why.
        var broken = Assert.Single(detail.FindPort("capmissing")!.Interfaces);
        Assert.Equal(("", -1, "could not open network device capmissing (No such device)"), (broken.Type, broken.OfPort, broken.Error));
        Assert.Null(broken.MacInUse);
    }

    [Fact]
    public void DecodesListAndFindTables()
    {
        var bridges = OvsTable.ParseAll(Fixture("ovs-vsctl-3.1.0-list-bridge.json"));
        Assert.Equal("mvmcap0", OvsBridge.From(Assert.Single(Assert.Single(bridges).Rows)).Name);
        var port = OvsPort.From(Assert.Single(OvsTable.Parse(Fixture("ovs-vsctl-3.1.0-find-port-tag.json")).Rows));
        Assert.Equal(("cap10", 10, "57cd9336-b17e-4931-bb01-6e59fcdafea2"), (port.Name, port.Tag, port.InterfaceUuids.Single()));
    }

    [Fact]
    public void DecodesEveryDatumShape()
    {
        using var doc = JsonDocument.Parse("""[["set",[]], 7, ["set",[1,2]], ["uuid","u1"], ["map",[["k",1],["b",true]]], "s"]""");
        var cells = doc.RootElement.EnumerateArray().ToList();
        Assert.Empty(OvsRow.Atoms(cells[0]));
        Assert.Equal(["7"], OvsRow.Atoms(cells[1]).Select(OvsRow.AtomText));
        Assert.Equal(["1", "2"], OvsRow.Atoms(cells[2]).Select(OvsRow.AtomText));
        Assert.Equal("u1", OvsRow.AtomText(cells[3]));
        Assert.Throws<FormatException>(() => OvsRow.Atoms(cells[4]));
        var row = OvsTable.Parse("""{"headings":["m","s"],"data":[[["map",[["k",1],["b",true]]],"s"]]}""").Rows[0];
        Assert.Equal(new Dictionary<string, string> { ["k"] = "1", ["b"] = "true" }, row.Map("m"));
        Assert.Throws<FormatException>(() => row.Map("s"));
        Assert.Throws<FormatException>(() => row.String("nope"));
    }

    [Fact]
    public void AddBridgeIsMayExistAndSetsTheDatapathInTheSameTransaction()
    {
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--", "--may-exist", "add-br", "br-mvm", "--", "set", "Bridge", "br-mvm", "datapath_type=netdev"],
            OvsVsctl.AddBridgeArgv("br-mvm", "netdev", null, T));
        Assert.Equal(["ovs-vsctl", "--", "--may-exist", "add-br", "br0"], OvsVsctl.AddBridgeArgv("br0", null, null, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void AddPortConvergesVlanSettingsOfAnExistingPort()
    {
        // --may-exist ignores settings given to add-port, so they follow as set/clear commands.
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--", "--may-exist", "add-port", "br0", "vm10",
                "--", "set", "Port", "vm10", "tag=10", "external_ids:mvm-vlan=\"compute, 10=ten\"",
                "--", "clear", "Port", "vm10", "trunks", "vlan_mode",
                "--", "set", "Interface", "vm10", "type=internal"],
            OvsVsctl.AddPortArgv("br0", "vm10", new OvsPortSettings
            {
                Tag = 10, InterfaceType = "internal", ExternalIds = new Dictionary<string, string> { ["mvm-vlan"] = "compute, 10=ten" },
            }, T));
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--", "--may-exist", "add-port", "br0", "eth2",
                "--", "set", "Port", "eth2", "trunks=10,20", "vlan_mode=trunk",
                "--", "clear", "Port", "eth2", "tag"],
            OvsVsctl.AddPortArgv("br0", "eth2", new OvsPortSettings { Trunks = [10, 20], VlanMode = "trunk" }, T));
    }

    [Fact]
    public void ReadsBridgeRecordsWithOneInvocation() =>
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--format=json", "--",
                "--columns=_uuid,name,datapath_type,fail_mode,ports,external_ids,other_config", "list", "Bridge", "br0", "--",
                "--columns=_uuid,name,tag,trunks,vlan_mode,interfaces,external_ids,other_config", "list", "Port", "--",
                "--columns=_uuid,name,type,ofport,mac_in_use,admin_state,link_state,error,options,external_ids", "list", "Interface"],
            OvsVsctl.GetBridgeArgv("br0", T));

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a \"quoted\" \\ value", "\"a \\\"quoted\\\" \\\\ value\"")]
    [InlineData("line\nbreak", "\"line\\nbreak\"")]
    [InlineData("{x=1,y=[2]}", "\"{x=1,y=[2]}\"")]
    [InlineData("grüße", "\"grüße\"")]
    public void QuotesValuesAsOvsJsonStrings(string value, string quoted) => Assert.Equal(quoted, OvsVsctl.Quote(value));

    [Theory]
    [InlineData("bad/name")]
    [InlineData("-x")]
    [InlineData(".x")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("a b")]
    [InlineData("")]
    public void RefusesNamesLinuxOrOvsWouldReject(string name) => Assert.Throws<ArgumentException>(() => OvsVsctl.ValidName(name));

    [Fact]
    public void RefusesVlansOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OvsVsctl.AddPortArgv("br0", "p", new OvsPortSettings { Tag = 4096 }, T));
        Assert.Throws<ArgumentOutOfRangeException>(() => OvsVsctl.AddPortArgv("br0", "p", new OvsPortSettings { Trunks = [10, -1] }, T));
    }

    public static TheoryData<string, string, string, string> NotFoundCases => new()
    {
        { "ovs-vsctl-3.1.0-del-br-not-found.stderr", "del-br", "bridge", "nobr-mvm" },
        { "ovs-vsctl-3.1.0-del-port-not-found.stderr", "del-port", "port", "noport-mvm" },
        { "ovs-vsctl-3.1.0-add-port-no-bridge.stderr", "add-port", "bridge", "nobr-mvm" },
        { "ovs-vsctl-3.1.0-list-bridge-no-row.stderr", "get-bridge", "bridge", "nobr-mvm" },
        { "ovs-vsctl-3.1.0-list-ports-no-bridge.stderr", "list-ports", "bridge", "nobr-mvm" },
    };

    [Theory]
    [MemberData(nameof(NotFoundCases))]
    public async Task MapsNotFoundWordingToOneException(string stderr, string call, string kind, string name)
    {
        var ovs = new OvsVsctl(new CannedHost(1, "", Fixture(stderr)));
        Task task = call switch
        {
            "del-br" => ovs.DeleteBridgeAsync("nobr-mvm", false, T, default),
            "del-port" => ovs.DeletePortAsync("noport-mvm", null, false, T, default),
            "add-port" => ovs.AddPortAsync("nobr-mvm", "p1", new OvsPortSettings(), T, default),
            "get-bridge" => ovs.GetBridgeAsync("nobr-mvm", T, default),
            _ => ovs.ListPortsAsync("nobr-mvm", T, default),
        };
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => task);
        Assert.Equal((kind, name, "ovs-vsctl"), (e.Kind, e.Name, e.Tool));
    }

    [Fact]
    public async Task APortOnAnotherBridgeIsAFailureNotNotFound()
    {
        var ovs = new OvsVsctl(new CannedHost(1, "", Fixture("ovs-vsctl-3.1.0-add-port-on-other-bridge.stderr")));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => ovs.AddPortAsync("mvmcap1", "cap10", new OvsPortSettings(), T, default));
        Assert.Contains("cap10 is actually attached to bridge mvmcap0", e.Message);
    }

    [Fact]
    public async Task BridgeExistsReadsTheExitCodeAndIdempotentDeletesSayIfExists()
    {
        Assert.False(await new OvsVsctl(new CannedHost(2, "")).BridgeExistsAsync("br0", T, default));
        Assert.True(await new OvsVsctl(new CannedHost(0, "")).BridgeExistsAsync("br0", T, default));
        var host = new CannedHost(0, "");
        await new OvsVsctl(host).DeletePortAsync("p1", "br0", true, T, default);
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--", "--if-exists", "del-port", "br0", "p1"], host.LastArgv);
    }

    [Fact]
    public async Task AMissingOvsVsctlSaysWhichPackage()
    {
        var e = await Assert.ThrowsAsync<ToolMissingException>(() => new OvsVsctl(new CannedHost(127, "")).ListBridgesAsync(T, default));
        Assert.Equal("openvswitch-switch", e.Package);
    }
}
