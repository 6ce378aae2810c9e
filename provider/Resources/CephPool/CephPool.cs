using System.Numerics;
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;
using Mvm.Tools;

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
            ctx.Fail("erasureCodeProfile", $"{Quoted.Value(profile)} is not a profile name: letters, digits, '.', '_' or '-'");

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
            ctx.Fail("application", $"{Quoted.Value(app)} is not an application name: letters, digits, '.', '_' or '-', e.g. rbd, cephfs, rgw");
        if (args.MaxBytes is < 0) ctx.Fail("maxBytes", $"must be 0 (no quota) or more, got {args.MaxBytes}");
        if (args.MaxObjects is < 0) ctx.Fail("maxObjects", $"must be 0 (no quota) or more, got {args.MaxObjects}");
    }

    private static string NearestPowers(int value)
    {
        if (value < 1 || value > MaxPgNum) return "";
        var below = (int)BitOperations.RoundUpToPowerOf2((uint)value) / 2;
        return $" (nearest: {below} or {below * 2})";
    }

    protected override async Task<(string Id, CephPoolState State)> CreateAsync(CephPoolArgs args, OperationContext ctx)
    {
        var name = args.Name!;
        var (ceph, cluster) = await ConnectAsync(args.ConnectString, ctx);
        if (await ctx.StepAsync($"look for pool {name}", ceph.Host.Name, ct => ceph.FindPoolAsync(name, ct), readOnly: true) is not null)
            throw new PreconditionFailedException($"pool \"{name}\" already exists in cluster {cluster}: import it (`pulumi import mvm:index:CephPool <resource> {name}` with mvm:importConnectString set) or choose another name. Nothing was changed.");

        var options = new PoolCreateOptions(name)
        {
            Type = args.Type == PoolType.Erasure ? CephPoolType.Erasure : CephPoolType.Replicated,
            ErasureCodeProfile = args.Type == PoolType.Erasure ? args.ErasureCodeProfile : null,
            // Unset: Ceph applies the cluster's osd_pool_default_size, read back below.
            Size = args.Type == PoolType.Erasure ? null : args.Size,
            PgNum = args.PgNum,
            AutoscaleMode = args.Autoscale is { } mode ? PoolMapping.ToCeph(mode) : null,
        };
        var created = await ctx.StepAsync($"create pool {name} in cluster {cluster}", ceph.Host.Name, ct => ceph.CreatePoolAsync(options, ct));
        if (!created)
            throw new PreconditionFailedException($"pool \"{name}\" appeared in cluster {cluster} while it was being created (someone else made it): import it or choose another name.");

        // From here on the pool exists: any failure must still put it in state.
        try
        {
            await ApplyAsync(ceph, name, cluster, args, ctx);
            return (name, await ReadBackAsync(ceph, name, args, ctx));
        }
        catch (Exception e) when (e is not ResourceInitFailedException)
        {
            var partial = await TryReadBackAsync(ceph, name, args, ctx) ?? new CephPoolState { ConnectString = args.ConnectString, Name = name, Type = args.Type, ForceDestroy = args.ForceDestroy };
            throw new ResourceInitFailedException(name, partial, [$"pool {name} was created in cluster {cluster} but not fully configured: {e.Message}. Run `pulumi up` again to finish."]);
        }
    }

    protected override async Task<CephPoolState?> ReadAsync(string id, CephPoolState? state, OperationContext ctx)
    {
        // Import arrives with only the id: the cluster then comes from the provider configuration.
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString;
        if (state is null)
        {
            if (string.IsNullOrEmpty(connectString))
                throw new PreconditionFailedException($"importing CephPool \"{id}\" needs its cluster, and an import id carries only the pool name: set the provider's importConnectString to the MvmCluster's connectString (`pulumi config set --secret mvm:importConnectString \"$(pulumi stack output connectString --show-secrets -s <cluster stack>)\"`), then import again.");
            if (!ConnectString.TryDecode(connectString, out _, out var error))
                throw new PreconditionFailedException($"mvm:importConnectString {error}");
        }
        var (ceph, cluster) = await ConnectAsync(connectString, ctx);
        var pool = await ctx.StepAsync($"read pool {id} in cluster {cluster}", ceph.Host.Name, ct => ceph.FindPoolAsync(id, ct), readOnly: true);
        if (pool is null) return null;
        var usage = await ctx.StepAsync($"read usage of pool {id}", ceph.Host.Name, ct => ceph.GetPoolQuotaAsync(id, ct), readOnly: true);
        return PoolMapping.ToState(pool, usage, connectString, state?.ForceDestroy, state?.Application);
    }

    /// <summary>Refresh keeps to what the program declared, each with the value the cluster has; import reproduces the pool.</summary>
    protected override CephPoolArgs InputsOf(CephPoolState state, CephPoolArgs? declared)
    {
        if (declared is null) return PoolMapping.ImportInputs(state);
        var args = new CephPoolArgs();
        foreach (var p in ObjectModel.Of(typeof(CephPoolArgs)).Inputs)
            if (p.Info.GetValue(declared) is not null) p.Info.SetValue(args, p.Info.GetValue(state));
        return args;
    }

    protected override async Task<CephPoolState> UpdateAsync(string id, CephPoolState olds, CephPoolArgs news, DiffResult diff, OperationContext ctx)
    {
        var (ceph, cluster) = await ConnectAsync(news.ConnectString, ctx);
        try
        {
            await ApplyAsync(ceph, id, cluster, news, ctx);
        }
        catch (Exception e) when (e is not ResourceInitFailedException and not PreconditionFailedException)
        {
            var partial = await TryReadBackAsync(ceph, id, news, ctx) ?? olds;
            throw new ResourceInitFailedException(id, partial, [$"pool {id} in cluster {cluster} was only partly updated: {e.Message}. Fix the cause and run `pulumi up` again."]);
        }
        return await ReadBackAsync(ceph, id, news, ctx);
    }

    internal static int UsageSettleTries { get; set; } = 10;
    internal static TimeSpan UsageSettleDelay { get; set; } = TimeSpan.FromSeconds(2);

    protected override async Task DeleteAsync(string id, CephPoolState state, OperationContext ctx)
    {
        // A pool name the Ceph client refuses (e.g. "vms\n", accepted by Check before it was
        // anchored) was never created: the create's look-up already refused it. Nothing to delete.
        if (!Ceph.TakesName(id)) return;
        var (ceph, cluster) = await ConnectAsync(state.ConnectString, ctx);
        if (await ctx.StepAsync($"read pool {id} in cluster {cluster}", ceph.Host.Name, ct => ceph.FindPoolAsync(id, ct), readOnly: true) is null)
            return; // already gone: deleting succeeds
        if (state.ForceDestroy != true)
        {
            var rbd = new Rbd(ceph.Host, ClusterConnection.CephContext);
            var images = await ctx.StepAsync($"list RBD images in pool {id}", ceph.Host.Name, ct => rbd.ListAsync(id, null, ct), readOnly: true);
            if (images.Images.Count > 0)
                throw new PreconditionFailedException($"pool \"{id}\" in cluster {cluster} still holds {images.Images.Count} RBD image(s): {DeleteGuard.Names(images.Images.Select(i => i.Image))}. " +
                    "Remove them (or the VirtualImage/VirtualMachine resources that own them) first, or set forceDestroy: true and run `pulumi up` before destroying to delete the pool with its data. The pool was not deleted.");
            // An RBD pool with no images holds only RBD's own bookkeeping (rbd_directory, rbd_info …,
            // a few bytes): its images are the data. Other pools are judged by their usage, which
            // comes from periodic PG reports and lags a removal by seconds, so look again before refusing.
            if (!string.Equals(state.Application ?? "rbd", "rbd", StringComparison.Ordinal))
            {
                var usage = await ctx.StepAsync($"read usage of pool {id}", ceph.Host.Name, ct => ceph.GetPoolQuotaAsync(id, ct), readOnly: true);
                for (var i = 0; i < UsageSettleTries && usage.CurrentBytes > 0; i++)
                {
                    await Task.Delay(UsageSettleDelay, ctx.CancellationToken);
                    usage = await ctx.StepAsync($"read usage of pool {id}", ceph.Host.Name, ct => ceph.GetPoolQuotaAsync(id, ct), readOnly: true);
                }
                if (usage.CurrentBytes > 0)
                    throw new PreconditionFailedException($"pool \"{id}\" in cluster {cluster} still holds {usage.CurrentBytes} bytes in {usage.CurrentObjects} objects. " +
                        "Empty it first, or set forceDestroy: true and run `pulumi up` before destroying to delete the pool with its data. The pool was not deleted.");
            }
        }
        // The monitors' mon_allow_pool_delete is switched on only for this deletion and put back as it was.
        await ctx.StepAsync($"delete pool {id} from cluster {cluster}", ceph.Host.Name, ct => ceph.DeletePoolAsync(id, allowTemporarily: true, ct));
    }

    private static async Task<(Ceph Ceph, string Cluster)> ConnectAsync(string? connectString, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(connectString, ctx);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct), readOnly: true);
        return (ceph, conn.Info.Name);
    }

    /// <summary>Sets what differs from the declared settings, one named step per setting.</summary>
    private static async Task ApplyAsync(Ceph ceph, string name, string cluster, CephPoolArgs desired, OperationContext ctx)
    {
        var actual = await ctx.StepAsync($"read pool {name} in cluster {cluster}", ceph.Host.Name, ct => ceph.FindPoolAsync(name, ct), readOnly: true)
            ?? throw new PreconditionFailedException($"pool \"{name}\" no longer exists in cluster {cluster}: run `pulumi refresh` to drop it from state, then `pulumi up` to create it again.");
        foreach (var change in PoolChanges.Plan(desired, actual))
            await ctx.StepAsync($"set {change} on pool {name}", ceph.Host.Name, ct => PoolChanges.ApplyAsync(ceph, name, change, ct));
    }

    private static async Task<CephPoolState> ReadBackAsync(Ceph ceph, string name, CephPoolArgs args, OperationContext ctx)
    {
        var pool = await ctx.StepAsync($"read back pool {name}", ceph.Host.Name, ct => ceph.GetPoolAsync(name, ct), readOnly: true);
        var usage = await ctx.StepAsync($"read usage of pool {name}", ceph.Host.Name, ct => ceph.GetPoolQuotaAsync(name, ct), readOnly: true);
        return PoolMapping.ToState(pool, usage, args.ConnectString, args.ForceDestroy, args.Application);
    }

    private static async Task<CephPoolState?> TryReadBackAsync(Ceph ceph, string name, CephPoolArgs args, OperationContext ctx)
    {
        try
        {
            return await ReadBackAsync(ceph, name, args, ctx);
        }
        catch (Exception)
        {
            return null; // the original failure is the one to report
        }
    }
}

/// <summary>How a refused deletion names what is in the way.</summary>
internal static class DeleteGuard
{
    private const int Shown = 10;

    public static string Names(IEnumerable<string> names)
    {
        var all = names.Order(StringComparer.Ordinal).ToList();
        return string.Join(", ", all.Take(Shown)) + (all.Count > Shown ? $" and {all.Count - Shown} more" : "");
    }
}
