using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmCluster;

[EnumType("CpuType", "The CPU architecture of the cluster's hosts.")]
public enum CpuType
{
    [EnumValue("x86_64", "64-bit x86 (Intel and AMD).")]
    X86_64,
}

public class MvmClusterArgs
{
    public const string DefaultBridge = ClusterSettings.DefaultBridge;
    public const string DefaultVmPool = ClusterSettings.DefaultVmPool;

    [Input("Display name of the cluster: 1-63 letters, digits or '-'. Defaults to the resource name.")]
    public string? Name { get; set; }

    [Input("Storage layout: `hci` runs Ceph on the hosts (at least 3 hosts), `standard` runs compute only (at least " +
        "1 host). A cluster cannot change layout in place.", Default = "hci", ReplaceOnChanges = true)]
    public ClusterLayout? Layout { get; set; }

    [Input("The hypervisor hosts. Adding a host validates, installs and joins it; adding or removing a data device " +
        "adds or safely removes an OSD; removing a host decommissions it OSD-safely. Hosts are matched by `name`, so " +
        "reordering changes nothing.", Required = true, ListKey = "name")]
    public List<ClusterHost?>? Hosts { get; set; }

    [Input("VLANs offered to VMs as Open vSwitch port groups and libvirt networks on every host: each item is one id " +
        "(`\"22\"`) or an inclusive range (`\"22-25\"`), ids 1-4094, no overlaps.")]
    public List<string?>? ComputeVlans { get; set; }

    [Input("CPU architecture of the hosts; only x86_64 is supported.", Default = "x86_64")]
    public CpuType? CpuType { get; set; }

    [Input("Default libvirt CPU model for VMs: `host-model`, `host-passthrough`, or a named model available on every " +
        "host (e.g. `EPYC-Rome`). Checked against the hosts' CPU model list when they are reachable.",
        Default = "host-model")]
    public string? CpuModel { get; set; }

    [Input("Network of the Ceph public (client and monitor) traffic in CIDR notation, e.g. `10.0.10.0/24`. Defaults " +
        "to the network of the hosts' management addresses.")]
    public string? CephPublicNetwork { get; set; }

    [Input("Network of Ceph OSD replication traffic in CIDR notation, e.g. `10.0.20.0/24`. Defaults to the public " +
        "network.")]
    public string? CephClusterNetwork { get; set; }

    [Input("Number of copies new pools keep (Ceph osd_pool_default_size), 1-10; one copy per host, so at most the " +
        "number of hosts.", Default = 3)]
    public int? DefaultPoolSize { get; set; }

    [Input("Copies that must be available for a pool to accept I/O (osd_pool_default_min_size), at most " +
        "`defaultPoolSize`. Defaults to Ceph's rule: size - size/2 (2 for size 3).")]
    public int? DefaultPoolMinSize { get; set; }

    [Input("Name of the RBD pool the cluster creates for VM disks and images; VirtualImage and VirtualMachine use it " +
        "when they name no pool.", Default = DefaultVmPool)]
    public string? VmPool { get; set; }

    [Input("Name of the Open vSwitch bridge created on every host's compute interface for VM traffic.",
        Default = DefaultBridge)]
    public string? OvsBridge { get; set; }

    [Input("libvirt domain type for VMs: `kvm` (hardware virtualisation) or `qemu` (software emulation, for labs " +
        "whose hosts lack virtualisation extensions).", Default = "kvm")]
    public DomainType? DomainType { get; set; }

    [Input("Open vSwitch datapath of the VM bridge: `system` (kernel) or `netdev` (userspace, for labs without the " +
        "kernel module).", Default = "system")]
    public OvsDatapath? OvsDatapath { get; set; }

    [Input("Memory a host needs before its Ceph data disks are counted, in GiB; lower it only for small labs.",
        Default = 4)]
    public int? MinimumMemoryGiB { get; set; }

    [Input("Additional memory a host needs per Ceph data device (each OSD), in GiB; lower it only for small " +
        "labs.", Default = 4)]
    public int? MemoryPerOsdGiB { get; set; }

    [Input("Ceph options set in the monitors' configuration database for every daemon (`ceph config set global KEY " +
        "VALUE`), e.g. `mon_data_avail_warn: \"5\"` for a lab whose disk is fuller than Ceph's 30 % free warning " +
        "level. Changed in place; a removed key returns to Ceph's default.")]
    public Dictionary<string, string>? CephConfig { get; set; }

    [Input("Allow deleting the cluster while VMs, images or pools other than its own still exist on it. Off by " +
        "default: delete refuses and lists them.", Default = false)]
    public bool? ForceDestroy { get; set; }

    [Input("On delete, also wipe the data devices (zap LVM and Ceph labels) so they can be reused. Off by default: " +
        "the data stays on the disks.", Default = false)]
    public bool? WipeDataDevicesOnDestroy { get; set; }
}

[ObjectType("CephMonitor", "A Ceph monitor as read from the cluster.")]
public sealed class CephMonitor
{
    [Output("Monitor name (the host's name).", Always = true)]
    public string? Name { get; set; }

    [Output("Display name of the host it runs on.")]
    public string? Host { get; set; }

    [Output("Address the monitor listens on, as in `ceph mon dump` (e.g. `v2:10.0.10.11:3300/0`).")]
    public string? Address { get; set; }

    [Output("True when the monitor is in quorum.")]
    public bool? InQuorum { get; set; }
}

[ObjectType("ClusterHostState", "The observed state of one host of an MvmCluster.")]
public sealed class ClusterHostState
{
    [Output("Display name of the host (its `name` in `hosts`).", Always = true)]
    public string? Name { get; set; }

    [Output("SSH address of the host.")]
    public string? Address { get; set; }

    [Output("Where the host is in its life in the cluster.")]
    public HostStatus? State { get; set; }

    [Output("Ids of the Ceph OSDs on this host.")]
    public List<int>? OsdIds { get; set; }

    [Output("True when the host is in maintenance (out of the placement pool).")]
    public bool? Maintenance { get; set; }

    [Output("Host public key learned on first connection (when trust-on-first-use was allowed); pin it with " +
        "`hostKey`.")]
    public string? LearnedHostKey { get; set; }
}

public sealed class MvmClusterState : MvmClusterArgs
{
    [Output("Ceph cluster id (fsid), generated at creation; it never changes.", Stable = true)]
    public string? Fsid { get; set; }

    [Output("Ceph health as reported by `ceph health`: HEALTH_OK, HEALTH_WARN or HEALTH_ERR (empty for the standard " +
        "layout).")]
    public string? Health { get; set; }

    [Output("Ceph monitors and whether each is in quorum.")]
    public List<CephMonitor>? Monitors { get; set; }

    [Output("Ceph OSDs, each with its host, device and up/in state.")]
    public List<OsdState>? Osds { get; set; }

    [Output("Raw capacity of all OSDs in bytes.")]
    public long? CapacityBytes { get; set; }

    [Output("Raw bytes used on all OSDs.")]
    public long? UsedBytes { get; set; }

    [Output("Observed state of each host: state, OSD ids and maintenance.")]
    public List<ClusterHostState>? HostStates { get; set; }

    [Output("Secret string that MvmHost, CephPool, OvsVlan, VirtualImage and VirtualMachine use to reach and join " +
        "this cluster; export it to use the cluster from other stacks.", Secret = true, Always = true)]
    public string? ConnectString { get; set; }
}
