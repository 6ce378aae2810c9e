using Mvm.Core;

namespace Mvm.Resources.Shared;

[EnumType("HostStatus", "Where a hypervisor host is in its life in the cluster.")]
public enum HostStatus
{
    [EnumValue("provisioning", "Being validated, installed or joined to the cluster.")]
    Provisioning,
    [EnumValue("ready", "In service: its OSDs are up and in and it takes VMs.")]
    Ready,
    [EnumValue("draining", "Entering maintenance: its VMs are being moved to other hosts.")]
    Draining,
    [EnumValue("maintenance", "Out of the placement pool; it runs no VMs.")]
    Maintenance,
    [EnumValue("decommissioning", "Being removed: its OSDs are being drained and purged one at a time.")]
    Decommissioning,
    [EnumValue("unreachable", "Not reachable over SSH, or its Ceph and libvirt services do not answer.")]
    Unreachable,
}
