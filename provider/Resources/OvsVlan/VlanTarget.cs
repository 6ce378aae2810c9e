using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.OvsVlan;

/// <summary>What a VLAN port group should be on every host: its libvirt network and the label on the OVS
/// bridge.</summary>
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
