using Mvm.Cluster;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.OvsVlan;

/// <summary>What a VLAN port group should be on every host: its libvirt network and the label on the OVS bridge.</summary>
public sealed record VlanTarget(int VlanId, string PortGroup, string Bridge)
{
    public string Network => ClusterNames.VlanNetwork(VlanId);

    /// <summary>The bridge external id that makes the port group visible with `ovs-vsctl list Bridge`.</summary>
    public string ExternalIdKey => ExternalIdKeyOf(VlanId);

    public static string ExternalIdKeyOf(int vlanId) => $"mvm-vlan-{vlanId}";

    /// <summary>The port group name MvmCluster's computeVlans give the same network.</summary>
    public static string ClusterPortGroup(int vlanId) => $"vlan{vlanId}";

    public PortGroupSpec PortGroupSpec => new(PortGroup, VlanId, IsDefault: true);

    public NetworkXml NetworkXml(Guid? uuid) =>
        Tools.NetworkXml.FromSpec(new OvsNetworkSpec(Network, Bridge, [PortGroupSpec]) { Uuid = uuid });
}

/// <summary>
/// One host's view of a VLAN: the bridge, the network's persistent definition (what the next
/// libvirtd start uses) and live one (what VMs get now; the same when inactive), its state, and
/// the VMs with a NIC on it.
/// </summary>
public sealed record VlanOnHost(
    string Host,
    OvsBridge? Bridge,
    NetworkXml? Network,
    NetworkXml? Live,
    NetworkInfo? Info,
    IReadOnlyList<string> UsedBy)
{
    public bool HasNetwork => Network is not null;

    /// <summary>The port group carrying the VLAN's tag (the one VMs get by default), if any.</summary>
    public PortGroupSpec? PortGroup(int vlanId) =>
        Network?.PortGroups.FirstOrDefault(p => p.IsDefault && p.VlanTag == vlanId) ?? Network?.PortGroups.FirstOrDefault(p => p.VlanTag == vlanId);

    /// <summary>The network's definition matches the target apart from the port group (forwarding to the same OVS bridge).</summary>
    public bool BaseMatches(VlanTarget t) =>
        Network is { } n && n.ForwardMode == "bridge" && n.Bridge == t.Bridge && n.VirtualPortType == "openvswitch";

    /// <summary>The port groups are exactly the target's one.</summary>
    public bool PortGroupMatches(VlanTarget t) => HasOnly(Network, t) && (Info is not { Active: true } || HasOnly(Live, t));

    internal static bool HasOnly(NetworkXml? n, VlanTarget t) => n is not null && n.PortGroups.Count == 1 && n.PortGroups[0] == t.PortGroupSpec;

    public bool LabelMatches(VlanTarget t) => Bridge?.ExternalIds.GetValueOrDefault(t.ExternalIdKey) == t.PortGroup;

    /// <summary>Everything on this host is as the target says.</summary>
    public bool InSync(VlanTarget t) =>
        BaseMatches(t) && PortGroupMatches(t) && Info is { Active: true, Autostart: true, Persistent: true } && LabelMatches(t);
}

/// <summary>
/// Reads a VLAN on one host in at most two round trips: the bridge, the network and the domain
/// list together, then the definitions of all domains (live and persistent) together.
/// </summary>
public static class VlanReader
{
    public static async Task<VlanOnHost> ReadAsync(IHost host, int vlanId, string bridge, TimeSpan timeout, CancellationToken ct)
    {
        var network = ClusterNames.VlanNetwork(vlanId);
        var first = new ToolBatch(stopOnFailure: false);
        var br = first.Add(OvsVsctlCalls.FindBridge(bridge, timeout));
        var xml = first.Add(VirshCalls.NetDumpXml(network, inactive: true));
        var live = first.Add(VirshCalls.NetDumpXml(network));
        var info = first.Add(VirshCalls.NetInfo(network));
        var domains = first.Add(VirshCalls.List());
        await first.RunAsync(host, timeout, ct).ConfigureAwait(false);

        var users = new List<string>();
        if (domains.Value.Count > 0)
        {
            var second = new ToolBatch(stopOnFailure: false);
            // Live and persistent: a NIC hot-plugged without --config, or added for the next boot only, still ties a VM to the network.
            var defs = domains.Value.Select(d => (d.Name, Live: second.Add(VirshCalls.DumpXml(d.Name)), Config: second.Add(VirshCalls.DumpXml(d.Name, inactive: true)))).ToList();
            await second.RunAsync(host, timeout, ct).ConfigureAwait(false);
            foreach (var (name, liveDef, configDef) in defs)
                if (UsesNetwork(liveDef.Value, network) || UsesNetwork(configDef.Value, network)) users.Add(name);
        }
        return new VlanOnHost(host.Name, br.Value, xml.Value, live.Value, info.Value, users);
    }

    public static bool UsesNetwork(DomainXml? domain, string network) =>
        domain is not null && domain.Interfaces.Any(i => i.Type == "network" && i.Network == network);
}
