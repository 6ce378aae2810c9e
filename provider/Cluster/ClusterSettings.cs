using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

[EnumType("ClusterLayout", "How storage is provided in an MvmCluster.")]
public enum ClusterLayout
{
    [EnumValue("hci", "Hyperconverged: Ceph runs on the hypervisor hosts and stores VM disks. Needs at least 3 " +
        "hosts, each with at least one data device.")]
    Hci,
    [EnumValue("standard", "Compute only: no Ceph on the hosts. Needs at least 1 host.")]
    Standard,
}

[EnumType("OvsDatapath", "The Open vSwitch datapath of the VM bridge.")]
public enum OvsDatapath
{
    [EnumValue("system", "The kernel datapath (openvswitch module): the normal choice.")]
    System,
    [EnumValue("netdev", "The userspace datapath: for labs and containers where the kernel module cannot be loaded.")]
    Netdev,
}

/// <summary>
/// A cluster's settings as the cluster layer takes them, defaults applied: what MvmCluster
/// declares, or what an MvmHost learns from the connect string (<see cref="ClusterInfo.Settings"/>).
/// Both resources form and join hosts with the same operations from this record.
/// </summary>
public sealed record ClusterSettings
{
    public const string DefaultVmPool = "mvm-vms";
    public const string DefaultBridge = "br-mvm";
    public const string DefaultCpuModel = "host-model";
    public const int DefaultMinimumMemoryGiB = 4;
    public const int DefaultMemoryPerOsdGiB = 4;
    public const int DefaultPoolSize = 3;

    public string Name { get; init; } = "";
    public ClusterLayout Layout { get; init; } = ClusterLayout.Hci;
    public DomainType DomainType { get; init; } = DomainType.Kvm;
    public OvsDatapath OvsDatapath { get; init; } = OvsDatapath.System;
    public string CpuModel { get; init; } = DefaultCpuModel;
    public string VmPool { get; init; } = DefaultVmPool;
    public string OvsBridge { get; init; } = DefaultBridge;
    public int MinimumMemoryGiB { get; init; } = DefaultMinimumMemoryGiB;
    public int MemoryPerOsdGiB { get; init; } = DefaultMemoryPerOsdGiB;

    /// <summary>Copies new pools keep (osd_pool_default_size).</summary>
    public int PoolSize { get; init; } = DefaultPoolSize;

    /// <summary>osd_pool_default_min_size; null for Ceph's own rule (<see cref="CephMinSize"/>).</summary>
    public int? PoolMinSize { get; init; }

    /// <summary>The Ceph public network (CIDR); null for the network of the first host's management address.</summary>
    public string? CephPublicNetwork { get; init; }

    /// <summary>The Ceph cluster (replication) network (CIDR); null for the public network.</summary>
    public string? CephClusterNetwork { get; init; }

    /// <summary>Options set for every daemon in the monitors' configuration database.</summary>
    public IReadOnlyDictionary<string, string> CephConfig { get; init; } = new Dictionary<string, string>();

    public bool IsHci => Layout == ClusterLayout.Hci;

    /// <summary>Ceph's own default min_size for a replicated pool of `size` copies: size - size/2.</summary>
    public static long CephMinSize(long size) => size - size / 2;
}
