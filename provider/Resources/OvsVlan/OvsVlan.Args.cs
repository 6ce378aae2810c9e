using Mvm.Framework;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

public class OvsVlanArgs
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Name of the port group, also the libvirt network VMs attach to (VirtualMachine " +
        "`networkInterfaces[].vlan`): letters, digits, '.', '_' or '-'. Defaults to the resource name. Renamed in " +
        "place.")]
    public string? Name { get; set; }

    [Input("802.1Q VLAN id, 1-4094, tagged on the port group's ports. Changing it replaces the port group.",
        Required = true, ReplaceOnChanges = true)]
    public int? VlanId { get; set; }

    [Input("Open vSwitch bridge the port group lives on; it must be the cluster's `ovsBridge`.",
        Default = MvmClusterArgs.DefaultBridge)]
    public string? Bridge { get; set; }
}

public sealed class OvsVlanState : OvsVlanArgs
{
    [Output("Display names of the hosts where the port group and its libvirt network exist.")]
    public List<string>? Hosts { get; set; }

    [Output("Name of the libvirt network defined for the port group on every host.", Always = true)]
    public string? NetworkName { get; set; }

    [Output("The VMs with an interface on this port group's libvirt network, as `vm@host`.")]
    public List<string>? UsedBy { get; set; }

    [Output("Member hosts where the port group is missing or differs from this resource (changed by hand, or a host " +
        "that joined later), or that could not be read (see `unreachableHosts`); the next update brings them in line.")]
    public List<string>? OutOfSyncHosts { get; set; }

    [Output("Member hosts that could not be reached at the last read (down, or sshd not answering): what the port " +
        "group is there is unknown. Also listed in `outOfSyncHosts`, so the next update checks them.")]
    public List<string>? UnreachableHosts { get; set; }
}
