using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.CephPool;

// Delete: refused while the pool holds data, unless forceDestroy.
public sealed partial class CephPool
{
    internal static int UsageSettleTries { get; set; } = 10;
    internal static TimeSpan UsageSettleDelay { get; set; } = TimeSpan.FromSeconds(2);

    protected override async Task DeleteAsync(string id, CephPoolState state, OperationContext ctx)
    {
        // A pool name the Ceph client refuses (e.g. "vms\n", accepted by Check before it was
        // anchored) was never created: the create's look-up already refused it. Nothing to delete.
        if (!Ceph.TakesName(id)) return;
        var (ceph, cluster) = await ConnectAsync(state.ConnectString, ctx);
        if (await ctx.StepAsync($"read pool {id} in cluster {cluster}", ceph.Host.Name,
            ct => ceph.FindPoolAsync(id, ct), readOnly: true) is null)
            return; // already gone: deleting succeeds
        if (state.ForceDestroy != true)
        {
            var rbd = new Rbd(ceph.Host, ClusterConnection.CephContext);
            var images = await ctx.StepAsync($"list RBD images in pool {id}", ceph.Host.Name,
                ct => rbd.ListAsync(id, null, ct), readOnly: true);
            if (images.Images.Count > 0)
                throw new PreconditionFailedException($"pool \"{id}\" in cluster {cluster} still holds " +
                    $"{images.Images.Count} RBD image(s): {DeleteGuard.Names(images.Images.Select(i => i.Image))}. " +
                    "Remove them (or the VirtualImage/VirtualMachine resources that own them) first, or set " +
                    "forceDestroy: true and run `pulumi up` before destroying to delete the pool with its data. The " +
                    "pool was not deleted.");
            // An RBD pool with no images holds only RBD's own bookkeeping (rbd_directory, rbd_info …,
            // a few bytes): its images are the data. Other pools are judged by their usage, which
            // comes from periodic PG reports and lags a removal by seconds, so look again before refusing.
            if (!string.Equals(state.Application ?? "rbd", "rbd", StringComparison.Ordinal))
            {
                var usage = await ctx.StepAsync($"read usage of pool {id}", ceph.Host.Name,
                    ct => ceph.GetPoolQuotaAsync(id, ct), readOnly: true);
                for (var i = 0; i < UsageSettleTries && usage.CurrentBytes > 0; i++)
                {
                    await Task.Delay(UsageSettleDelay, ctx.CancellationToken);
                    usage = await ctx.StepAsync($"read usage of pool {id}", ceph.Host.Name,
                        ct => ceph.GetPoolQuotaAsync(id, ct), readOnly: true);
                }
                if (usage.CurrentBytes > 0)
                    throw new PreconditionFailedException($"pool \"{id}\" in cluster {cluster} still holds " +
                        $"{usage.CurrentBytes} bytes in {usage.CurrentObjects} objects. " +
                        "Empty it first, or set forceDestroy: true and run `pulumi up` before destroying to delete " +
                        "the pool with its data. The pool was not deleted.");
            }
        }
        // The monitors' mon_allow_pool_delete is switched on only for this deletion and put back as it was.
        await ctx.StepAsync($"delete pool {id} from cluster {cluster}", ceph.Host.Name,
            ct => ceph.DeletePoolAsync(id, allowTemporarily: true, ct));
    }
}
