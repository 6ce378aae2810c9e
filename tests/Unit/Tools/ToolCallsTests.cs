using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The batchable virsh and ovs-vsctl calls, read with output captured from libvirt 9.0 and OVS
/// 3.1 on the lab (Fixtures/Virsh, Fixtures/OvsVsctl): "not there" is null/false, anything else
/// keeps the command, exit code and stderr.
/// </summary>
public sealed class ToolCallsTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);

    private static string Fixture(string tool, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", tool, name));

    private static CommandResult Result(ToolCall<bool> call, int exit = 0, string stdout = "", string stderr = "") => Result(call.Argv, exit, stdout, stderr);

    private static CommandResult Result(IReadOnlyList<string> argv, int exit = 0, string stdout = "", string stderr = "") =>
        new("h4", argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void NetDumpXmlReadsTheOvsPortGroupNetworkAndNullWhenMissing()
    {
        var call = VirshCalls.NetDumpXml("mvm-vlan22", inactive: true);
        Assert.Equal(["env", "LC_ALL=C", "virsh", "-c", "qemu:///system", "net-dumpxml", "--network", "mvm-vlan22", "--inactive"], call.Argv);

        var xml = call.Read(Result(call.Argv, stdout: Fixture("Virsh", "virsh-9.0.0-net-dumpxml-ovs-portgroup.xml")))!;
        Assert.Equal(("bridge", "br-mvm", "openvswitch"), (xml.ForwardMode, xml.Bridge, xml.VirtualPortType));
        Assert.Equal(new PortGroupSpec("web2", 22, IsDefault: true), Assert.Single(xml.PortGroups));

        Assert.Null(call.Read(Result(call.Argv, 1, stderr: Fixture("Virsh", "virsh-9.0.0-net-dumpxml-missing-network.stderr").Replace("mvm-vlan99", "mvm-vlan22", StringComparison.Ordinal))));
    }

    [Fact]
    public void NetInfoOfAHandUndefinedNetworkSaysItIsTransient()
    {
        var info = VirshCalls.NetInfo("mvm-vlan22").Read(Result(["virsh"], stdout: Fixture("Virsh", "virsh-9.0.0-net-info-transient.txt")))!;
        Assert.Equal((true, false, false), (info.Active, info.Persistent, info.Autostart));
    }

    [Fact]
    public void NetDefineOfANetworkWithAnotherUuidIsAFailureNotNotFound()
    {
        var call = VirshCalls.NetDefine(NetworkXml.FromSpec(new OvsNetworkSpec("mvm-vlan22", "br-mvm", [new PortGroupSpec("web", 22, true)])));
        var e = Assert.Throws<RemoteCommandFailedException>(() => call.Read(Result(call, 1, stderr: Fixture("Virsh", "virsh-9.0.0-net-define-exists-other-uuid.stderr"))));
        Assert.Contains("already exists with uuid", e.Message);
        // The XML travels on stdin, never on argv.
        Assert.Contains("<portgroup name=\"web\" default=\"yes\">", Encoding.UTF8.GetString(call.Stdin!));
        Assert.DoesNotContain(call.Argv, a => a.Contains("portgroup", StringComparison.Ordinal));
    }

    [Fact]
    public void NetUpdatePortGroupSendsOnePortGroupElementAndMapsAMissingOneToAFailure()
    {
        var call = VirshCalls.NetUpdatePortGroup("mvm-vlan22", "delete", new PortGroupSpec("web", 22, true), live: true, config: false);
        Assert.Equal(["net-update", "--network", "mvm-vlan22", "--command", "delete", "--section", "portgroup",
            "--xml", "<portgroup name=\"web\" default=\"yes\"><vlan><tag id=\"22\" /></vlan></portgroup>", "--live"], call.Argv.Skip(5));
        var e = Assert.Throws<RemoteCommandFailedException>(() => call.Read(Result(call, 1, stderr: Fixture("Virsh", "virsh-9.0.0-net-update-missing-portgroup.stderr"))));
        Assert.Contains("couldn't find a portgroup entry", e.Message);
        Assert.Throws<ArgumentException>(() => VirshCalls.NetUpdatePortGroup("n", "replace", new PortGroupSpec("x"), true, true));
    }

    [Fact]
    public void NetStartAlreadyActiveAndNetUndefineOfAMissingNetworkAreNothingToDo()
    {
        Assert.False(VirshCalls.NetStart("mvm-vlan22").Read(Result(["virsh"], 1, stderr: Fixture("Virsh", "virsh-9.0.0-net-start-already-active.stderr"))));
        Assert.False(VirshCalls.NetUndefine("mvm-vlan99").Read(Result(["virsh"], 1, stderr: Fixture("Virsh", "virsh-9.0.0-net-dumpxml-missing-network.stderr"))));
    }

    [Fact]
    public void ADomainWithANicOnTheNetworkIsFoundFromItsDumpXml()
    {
        var domains = VirshCalls.List().Read(Result(["virsh"], stdout: Fixture("Virsh", "virsh-9.0.0-list-all-one-domain.txt")));
        Assert.Equal("mvmt-vlanuser", Assert.Single(domains).Name);
        var xml = VirshCalls.DumpXml("mvmt-vlanuser").Read(Result(["virsh"], stdout: Fixture("Virsh", "virsh-9.0.0-dumpxml-network-nic.xml")));
        Assert.True(Mvm.Resources.OvsVlan.VlanReader.UsesNetwork(xml, "mvm-vlan22"));
        Assert.False(Mvm.Resources.OvsVlan.VlanReader.UsesNetwork(xml, "mvm-vlan2"));
        Assert.Null(VirshCalls.DumpXml("gone").Read(Result(["virsh"], 1, stderr: Fixture("Virsh", "virsh-9.0.0-dumpxml-missing-domain.stderr"))));
    }

    [Fact]
    public void FindBridgeReadsExternalIdsAndIsNullForNoRow()
    {
        var call = OvsVsctl.FindBridge("br-mvm", T);
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--format=json", "--", "--columns=_uuid,name,datapath_type,fail_mode,ports,external_ids,other_config", "list", "Bridge", "br-mvm"], call.Argv);
        var bridge = call.Read(Result(call.Argv, stdout: Fixture("OvsVsctl", "ovs-vsctl-3.1.0-list-bridge-external-ids.json")))!;
        Assert.Equal(("br-mvm", "netdev", "web2"), (bridge.Name, bridge.DatapathType, bridge.ExternalIds["mvm-vlan-22"]));
        Assert.Null(call.Read(Result(call.Argv, 1, stderr: Fixture("OvsVsctl", "ovs-vsctl-3.1.0-list-bridge-no-row.stderr"))));
    }

    [Fact]
    public void BridgeExternalIdsAreSetAsOneJsonQuotedValueAndRemovedTolerantly()
    {
        var set = OvsVsctl.SetBridgeExternalIds("br-mvm", new Dictionary<string, string> { ["mvm-vlan-22"] = "web, x=y" }, T);
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--", "set", "Bridge", "br-mvm", "external_ids:mvm-vlan-22=\"web, x=y\""], set.Argv);
        var missing = Assert.Throws<ObjectNotFoundException>(() => set.Read(Result(set, 1, stderr: Fixture("OvsVsctl", "ovs-vsctl-3.1.0-set-bridge-no-row.stderr").Replace("br-nope", "br-mvm", StringComparison.Ordinal))));
        Assert.Equal(("bridge", "br-mvm"), (missing.Kind, missing.Name));

        var remove = OvsVsctl.RemoveBridgeExternalIds("br-mvm", ["mvm-vlan-22"], T);
        Assert.Equal(["ovs-vsctl", "--timeout=29", "--", "--if-exists", "remove", "Bridge", "br-mvm", "external_ids", "mvm-vlan-22"], remove.Argv);
        Assert.Throws<ArgumentException>(() => OvsVsctl.RemoveBridgeExternalIds("br-mvm", ["bad key"], T));
    }
}
