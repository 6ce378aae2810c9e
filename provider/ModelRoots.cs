using System.Diagnostics.CodeAnalysis;
using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Framework.Config;
using Mvm.Resources.CephPool;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;
using Mvm.Resources.VirtualImage;
using Mvm.Resources.VirtualMachine;
using Mvm.Tools;
using CephMonitor = Mvm.Resources.MvmCluster.CephMonitor;

namespace Mvm;

/// <summary>
/// Every list, map, enum and nested record type that the resources' records (and the provider
/// config) declare as a property type. The model reaches these through PropertyInfo.PropertyType,
/// which the trimmer cannot follow; naming each here through an annotated type parameter makes
/// Native AOT keep the members the model reads (see <see cref="ModelMembers"/>). The records
/// themselves are kept through Resource's annotated type parameters. ModelRootsTests checks this
/// list against the records; without it the native plugin's schema lost the nested types' properties
/// (76 KB instead of 84 KB), which `make plugin-check` reports.
/// </summary>
public static class ModelRoots
{
    public static IReadOnlyList<Type> Types { get; } =
    [
        // Nested records and the lists that hold them.
        Keep<ClusterHost>(), Keep<List<ClusterHost>>(),
        Keep<ClusterHostState>(), Keep<List<ClusterHostState>>(),
        Keep<CephMonitor>(), Keep<List<CephMonitor>>(),
        Keep<OsdState>(), Keep<List<OsdState>>(),
        Keep<JumpHost>(), Keep<List<JumpHost>>(),
        Keep<VmDisk>(), Keep<List<VmDisk>>(),
        Keep<VmDiskState>(), Keep<List<VmDiskState>>(),
        Keep<VmNetworkInterface>(), Keep<List<VmNetworkInterface>>(),
        Keep<VmNetworkInterfaceState>(), Keep<List<VmNetworkInterfaceState>>(),
        Keep<CloudInit>(),
        // Lists and maps of scalars.
        Keep<List<string>>(), Keep<List<int>>(), Keep<Dictionary<string, string>>(),
        // Enums.
        Keep<ClusterLayout>(), Keep<OvsDatapath>(), Keep<CpuType>(), Keep<HostStatus>(), Keep<OsType>(),
        Keep<PgAutoscaleMode>(), Keep<PoolType>(), Keep<ImageFormat>(), Keep<NicModel>(), Keep<Placement>(),
        Keep<PowerState>(), Keep<RestartPolicy>(), Keep<DiskBus>(), Keep<DomainType>(), Keep<Firmware>(),
    ];

    private static Type Keep<[DynamicallyAccessedMembers(ModelMembers.Kept)] T>() => typeof(T);
}
