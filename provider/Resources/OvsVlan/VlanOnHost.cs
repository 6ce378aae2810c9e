using Mvm.Tools;

namespace Mvm.Resources.OvsVlan;

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
        Network?.PortGroups.FirstOrDefault(p => p.IsDefault && p.VlanTag == vlanId)
            ?? Network?.PortGroups.FirstOrDefault(p => p.VlanTag == vlanId);

    /// <summary>The network's definition matches the target apart from the port group (forwarding to the same OVS
    /// bridge).</summary>
    public bool BaseMatches(VlanTarget t) =>
        Network is { } n && n.ForwardMode == "bridge" && n.Bridge == t.Bridge && n.VirtualPortType == "openvswitch";

    /// <summary>The port groups are exactly the target's one.</summary>
    public bool PortGroupMatches(VlanTarget t) => HasOnly(Network, t)
        && (Info is not { Active: true } || HasOnly(Live, t));

    internal static bool HasOnly(NetworkXml? n, VlanTarget t) => n is not null && n.PortGroups.Count == 1
        && n.PortGroups[0] == t.PortGroupSpec;

    public bool LabelMatches(VlanTarget t) => Bridge?.ExternalIds.GetValueOrDefault(t.ExternalIdKey) == t.PortGroup;

    /// <summary>Everything on this host is as the target says.</summary>
    public bool InSync(VlanTarget t) =>
        BaseMatches(t) && PortGroupMatches(t) && Info is { Active: true, Autostart: true, Persistent: true }
            && LabelMatches(t);
}
