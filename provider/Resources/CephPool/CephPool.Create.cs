using Mvm.Core;
using Mvm.Framework;
using Mvm.Tools;

namespace Mvm.Resources.CephPool;

// Create: refuses a pool that exists, then creates and configures it; once it exists, a failure still puts it in state.
public sealed partial class CephPool
{
    protected override async Task<(string Id, CephPoolState State)> CreateAsync(CephPoolArgs args, OperationContext ctx)
    {
        var name = args.Name!;
        var (ceph, cluster) = await ConnectAsync(args.ConnectString, ctx);
        if (await ctx.StepAsync($"look for pool {name}", ceph.Host.Name, ct => ceph.FindPoolAsync(name, ct),
            readOnly: true) is not null)
            throw new PreconditionFailedException($"pool \"{name}\" already exists in cluster {cluster}: import it " +
                $"(`pulumi import mvm:index:CephPool <resource> {name}` with mvm:importConnectString set) or choose " +
                $"another name. Nothing was changed.");

        var options = new PoolCreateOptions(name)
        {
            Type = args.Type == PoolType.Erasure ? CephPoolType.Erasure : CephPoolType.Replicated,
            ErasureCodeProfile = args.Type == PoolType.Erasure ? args.ErasureCodeProfile : null,
            // Unset: Ceph applies the cluster's osd_pool_default_size, read back below.
            Size = args.Type == PoolType.Erasure ? null : args.Size,
            PgNum = args.PgNum,
            AutoscaleMode = args.Autoscale is { } mode ? PoolMapping.ToCeph(mode) : null,
        };
        var created = await ctx.StepAsync($"create pool {name} in cluster {cluster}", ceph.Host.Name,
            ct => ceph.CreatePoolAsync(options, ct));
        if (!created)
            throw new PreconditionFailedException($"pool \"{name}\" appeared in cluster {cluster} while it was being " +
                $"created (someone else made it): import it or choose another name.");

        // From here on the pool exists: any failure must still put it in state.
        try
        {
            await ApplyAsync(ceph, name, cluster, args, ctx);
            return (name, await ReadBackAsync(ceph, name, args, ctx));
        }
        catch (Exception e) when (e is not ResourceInitFailedException)
        {
            var partial = await TryReadBackAsync(ceph, name, args, ctx)
                ?? new CephPoolState
                {
                    ConnectString = args.ConnectString, Name = name, Type = args.Type, ForceDestroy = args.ForceDestroy,
                };
            throw new ResourceInitFailedException(name, partial,
                [$"pool {name} was created in cluster {cluster} but not fully configured: {e.Message}. Run `pulumi " +
                $"up` again to finish."]);
        }
    }
}
