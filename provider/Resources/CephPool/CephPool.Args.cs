using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.CephPool;

[EnumType("PoolType", "How a Ceph pool protects its data.")]
public enum PoolType
{
    [EnumValue("replicated", "Keeps `size` full copies, each on a different host.")]
    Replicated,
    [EnumValue("erasure", "Splits data into k data and m coding chunks as its erasure-code profile says.")]
    Erasure,
}

[EnumType("PgAutoscaleMode", "What the Ceph placement-group autoscaler does for a pool.")]
public enum PgAutoscaleMode
{
    [EnumValue("on", "Adjusts pg_num automatically as the pool grows.")]
    On,
    [EnumValue("warn", "Raises a health warning when pg_num should change, without changing it.")]
    Warn,
    [EnumValue("off", "Leaves pg_num as set.")]
    Off,
}

public class CephPoolArgs
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Pool name: letters, digits, '.', '_' or '-', not starting with '.'. Defaults to the resource name. The " +
        "name is the pool's identity: changing it replaces the pool (the old one, with its data, is deleted first, " +
        "subject to `forceDestroy`).", ReplaceOnChanges = true)]
    public string? Name { get; set; }

    [Input("`replicated` (full copies) or `erasure` (k+m chunks per `erasureCodeProfile`). Cannot change in place.",
        Default = "replicated", ReplaceOnChanges = true)]
    public PoolType? Type { get; set; }

    [Input("Name of an existing erasure-code profile (`ceph osd erasure-code-profile ls`); required for and only " +
        "used by type erasure.", ReplaceOnChanges = true)]
    public string? ErasureCodeProfile { get; set; }

    [Input("Copies a replicated pool keeps, 1-10, each on a different host. Defaults to the cluster's " +
        "`defaultPoolSize`. Not settable for erasure pools (their size is k+m).")]
    public int? Size { get; set; }

    [Input("Copies that must be available for the pool to accept I/O, 1-10 and at most `size`. Defaults to Ceph's " +
        "rule (size - size/2).")]
    public int? MinSize { get; set; }

    [Input("Number of placement groups: a power of two from 1 to 32768. Setting it turns the autoscaler off unless " +
        "`autoscale` says otherwise.")]
    public int? PgNum { get; set; }

    [Input("Placement-group autoscaler mode: `on`, `warn` or `off`. Defaults to `off` when `pgNum` is set, otherwise " +
        "`on`.")]
    public PgAutoscaleMode? Autoscale { get; set; }

    [Input("Application the pool is enabled for (`ceph osd pool application enable`): `rbd` for VM disks and images, " +
        "or e.g. `cephfs`, `rgw`.", Default = "rbd")]
    public string? Application { get; set; }

    [Input("Quota: the most bytes the pool may hold; 0 means no quota.")]
    public long? MaxBytes { get; set; }

    [Input("Quota: the most objects the pool may hold; 0 means no quota.")]
    public long? MaxObjects { get; set; }

    [Input("Allow deleting the pool while it still holds RBD images or objects. Off by default: delete refuses and " +
        "lists the images. `mon_allow_pool_delete` is switched on only for the deletion itself.", Default = false)]
    public bool? ForceDestroy { get; set; }
}

public sealed class CephPoolState : CephPoolArgs
{
    [Output("Ceph's numeric id of the pool; it never changes while the pool exists.", Stable = true, Always = true)]
    public int? PoolId { get; set; }

    [Output("Bytes stored in the pool (before replication), from `ceph df`.")]
    public long? StoredBytes { get; set; }

    [Output("Number of objects in the pool.")]
    public long? Objects { get; set; }

    [Output("Current pg_num of the pool (the autoscaler may have changed it).")]
    public int? CurrentPgNum { get; set; }
}
