using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.CephPool;

// Update: the settings that differ from the pool, one step each.
public sealed partial class CephPool
{
    protected override async Task<CephPoolState> UpdateAsync(string id, CephPoolState olds, CephPoolArgs news,
        DiffResult diff, OperationContext ctx)
    {
        var (ceph, cluster) = await ConnectAsync(news.ConnectString, ctx);
        try
        {
            await ApplyAsync(ceph, id, cluster, news, ctx);
        }
        catch (Exception e) when (e is not ResourceInitFailedException and not PreconditionFailedException)
        {
            var partial = await TryReadBackAsync(ceph, id, news, ctx) ?? olds;
            throw new ResourceInitFailedException(id, partial,
                [$"pool {id} in cluster {cluster} was only partly updated: {e.Message}. Fix the cause and run " +
                $"`pulumi up` again."]);
        }
        return await ReadBackAsync(ceph, id, news, ctx);
    }
}
