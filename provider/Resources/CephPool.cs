using System.Numerics;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;

namespace Mvm.Resources;

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

    [Input("Pool name: letters, digits, '.', '_' or '-', not starting with '.'. Defaults to the resource name. The name is the pool's identity: changing it replaces the pool (the old one, with its data, is deleted first, subject to `forceDestroy`).", ReplaceOnChanges = true)]
    public string? Name { get; set; }

    [Input("`replicated` (full copies) or `erasure` (k+m chunks per `erasureCodeProfile`). Cannot change in place.", Default = "replicated", ReplaceOnChanges = true)]
    public PoolType? Type { get; set; }

    [Input("Name of an existing erasure-code profile (`ceph osd erasure-code-profile ls`); required for and only used by type erasure.", ReplaceOnChanges = true)]
    public string? ErasureCodeProfile { get; set; }

    [Input("Copies a replicated pool keeps, 1-10, each on a different host. Defaults to the cluster's `defaultPoolSize`. Not settable for erasure pools (their size is k+m).")]
    public int? Size { get; set; }

    [Input("Copies that must be available for the pool to accept I/O, 1-10 and at most `size`. Defaults to Ceph's rule (size - size/2).")]
    public int? MinSize { get; set; }

    [Input("Number of placement groups: a power of two from 1 to 32768. Setting it turns the autoscaler off unless `autoscale` says otherwise.")]
    public int? PgNum { get; set; }

    [Input("Placement-group autoscaler mode: `on`, `warn` or `off`. Defaults to `off` when `pgNum` is set, otherwise `on`.")]
    public PgAutoscaleMode? Autoscale { get; set; }

    [Input("Application the pool is enabled for (`ceph osd pool application enable`): `rbd` for VM disks and images, or e.g. `cephfs`, `rgw`.", Default = "rbd")]
    public string? Application { get; set; }

    [Input("Quota: the most bytes the pool may hold; 0 means no quota.")]
    public long? MaxBytes { get; set; }

    [Input("Quota: the most objects the pool may hold; 0 means no quota.")]
    public long? MaxObjects { get; set; }

    [Input("Allow deleting the pool while it still holds RBD images or objects. Off by default: delete refuses and lists the images. `mon_allow_pool_delete` is switched on only for the deletion itself.", Default = false)]
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

[ResourceType("CephPool", """
A Ceph pool in an MvmCluster. Size, min_size, pg_num, autoscale mode, application and quotas are
changed in place with `ceph osd pool set`; refresh reports drift made by hand. Deleting refuses
while the pool holds data unless `forceDestroy` is set, and never leaves `mon_allow_pool_delete`
switched on.
""")]
public sealed class CephPool : Resource<CephPoolArgs, CephPoolState>
{
    private const string ArrivesWith = "Ceph pools on real hosts arrive with issue #4";
    public const int MaxPgNum = 32768;

    // The pool name is its identity: a replacement must delete the old pool before creating the new one.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName)
    {
        news = Defaults.NameFromResource(news, resourceName);
        if (Defaults.IsAbsent(news["autoscale"]))
        {
            var pgNum = news["pgNum"];
            if (Defaults.IsAbsent(pgNum)) news = news.With("autoscale", PropertyValue.Of("on"));
            else if (!pgNum!.Unsecret().IsComputed) news = news.With("autoscale", PropertyValue.Of("off"));
        }
        return news;
    }

    protected override void Validate(CephPoolArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckPoolName(ctx, "name", args.Name);

        if (args.Type == PoolType.Erasure)
        {
            if (args.ErasureCodeProfile is null && !ctx.IsUnknown("erasureCodeProfile"))
                ctx.Fail("erasureCodeProfile", "is required for type erasure: name an existing profile (see `ceph osd erasure-code-profile ls`), e.g. \"default\"");
            if (args.Size is not null)
                ctx.Fail("size", "cannot be set for type erasure: an erasure pool's size is k+m from its erasureCodeProfile; remove size");
        }
        if (args.Type == PoolType.Replicated && args.ErasureCodeProfile is not null)
            ctx.Fail("erasureCodeProfile", "applies only to type erasure; remove it or set type: erasure");
        if (args.ErasureCodeProfile is { } profile && !Names.IsToken(profile))
            ctx.Fail("erasureCodeProfile", $"\"{profile}\" is not a profile name: letters, digits, '.', '_' or '-'");

        ctx.RequireRange("size", args.Size, 1, 10);
        ctx.RequireRange("minSize", args.MinSize, 1, 10);
        if (args.Size is { } size and >= 1 and <= 10 && args.MinSize is { } min and >= 1 and <= 10 && min > size)
            ctx.Fail("minSize", $"must be at most size ({size}), got {min}");

        if (args.PgNum is { } pg)
        {
            if (pg < 1 || pg > MaxPgNum || !BitOperations.IsPow2(pg))
                ctx.Fail("pgNum", $"must be a power of two from 1 to {MaxPgNum}, got {pg}{NearestPowers(pg)}");
            else if (args.Autoscale == PgAutoscaleMode.On)
                ctx.Fail("pgNum", "is managed by the autoscaler while autoscale is on and would drift; set autoscale to off (or warn), or remove pgNum");
        }

        if (args.Application is { } app && !Names.IsToken(app))
            ctx.Fail("application", $"\"{app}\" is not an application name: letters, digits, '.', '_' or '-', e.g. rbd, cephfs, rgw");
        if (args.MaxBytes is < 0) ctx.Fail("maxBytes", $"must be 0 (no quota) or more, got {args.MaxBytes}");
        if (args.MaxObjects is < 0) ctx.Fail("maxObjects", $"must be 0 (no quota) or more, got {args.MaxObjects}");
    }

    private static string NearestPowers(int value)
    {
        if (value < 1 || value > MaxPgNum) return "";
        var below = (int)BitOperations.RoundUpToPowerOf2((uint)value) / 2;
        return $" (nearest: {below} or {below * 2})";
    }

    protected override Task<(string Id, CephPoolState State)> CreateAsync(CephPoolArgs args, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "create", ArrivesWith);

    protected override Task<CephPoolState?> ReadAsync(string id, CephPoolState? state, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "read", ArrivesWith);

    protected override Task<CephPoolState> UpdateAsync(string id, CephPoolState olds, CephPoolArgs news, DiffResult diff, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "update", ArrivesWith);

    protected override Task DeleteAsync(string id, CephPoolState state, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "delete", ArrivesWith);
}
