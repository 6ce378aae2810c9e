using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

// Update: only the VM-facing settings; a lost snapshot is made and protected again.
public sealed partial class VirtualImage
{
    /// <summary>Only the VM-facing settings change in place; a lost snapshot is made and protected again.</summary>
    protected override async Task<VirtualImageState> UpdateAsync(string id, VirtualImageState olds,
        VirtualImageArgs news, DiffResult diff, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(news.ConnectString, ctx.RemoteHosts());
        var target = ParseId(id, conn.Info.VmPool);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct),
            readOnly: true);
        var rbd = new Rbd(ceph.Host, ClusterConnection.CephContext);
        if (await ctx.StepAsync($"read RBD image {id}", rbd.Host.Name, ct => rbd.FindAsync(target, ct),
            readOnly: true) is null)
            throw new PreconditionFailedException($"RBD image {id} no longer exists in cluster {conn.Info.Name}: run " +
                $"`pulumi refresh` to drop it from state, then `pulumi up` to import it again.");
        var snaps = await ctx.StepAsync($"read snapshots of {id}", rbd.Host.Name, ct => rbd.SnapListAsync(target, ct),
            readOnly: true);
        if (!snaps.Any(s => s.Name == ImageMetadata.Snapshot && s.Protected))
        {
            await ctx.StepAsync($"snapshot {id}@{ImageMetadata.Snapshot}", rbd.Host.Name,
                ct => rbd.SnapCreateAsync(target, ImageMetadata.Snapshot, ct));
            await ctx.StepAsync($"protect {id}@{ImageMetadata.Snapshot}", rbd.Host.Name,
                ct => rbd.SnapProtectAsync(target, ImageMetadata.Snapshot, ct));
        }
        await ctx.StepAsync($"record the image's settings on {id}", rbd.Host.Name,
            ct => rbd.ImageMetaSetAsync(target, ImageMetadata.GuestSettings(news), ct));
        return await ReadBackAsync(rbd, target, news.ConnectString, ctx)
            ?? throw new ProviderException($"RBD image {id} vanished during the update");
    }
}
