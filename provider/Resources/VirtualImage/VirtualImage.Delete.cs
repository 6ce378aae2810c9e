using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

// Delete: refused while VM disks are cloned from the image.
public sealed partial class VirtualImage
{
    protected override async Task DeleteAsync(string id, VirtualImageState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx.RemoteHosts());
        // An id naming what the Rbd client refuses (e.g. "vms/debian\n", accepted by Check before it
        // was anchored) was never imported: every rbd command of the provider, the create's own
        // look-up first of all, refuses that name. Nothing of ours can be there to delete.
        if (id.Split('/').Any(part => !Ceph.TakesName(part))) return;
        var target = ParseId(id, conn.Info.VmPool);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct),
            readOnly: true);
        var rbd = new Rbd(ceph.Host, ClusterConnection.CephContext);
        if (await ctx.StepAsync($"read RBD image {id}", rbd.Host.Name, ct => rbd.FindAsync(target, ct),
            readOnly: true) is null)
            return; // already gone: deleting succeeds
        var snaps = await ctx.StepAsync($"read snapshots of {id}", rbd.Host.Name, ct => rbd.SnapListAsync(target, ct),
            readOnly: true);
        var clones = new List<RbdImageRef>();
        foreach (var snap in snaps)
            clones.AddRange(await ctx.StepAsync($"list clones of {id}@{snap.Name}", rbd.Host.Name,
                ct => rbd.ChildrenAsync(target, snap.Name, ct), readOnly: true));
        if (clones.Count > 0)
            throw new PreconditionFailedException($"RBD image {id} still has {clones.Count} clone(s): " +
                $"{DeleteGuard.Names(clones.Select(c => c.ToString()))}. " +
                "Delete the VMs whose disks they are (or flatten them: `rbd flatten <pool>/<image>`) first. The " +
                "image was not deleted.");
        await ctx.StepAsync($"unprotect and remove {id} with its snapshots", rbd.Host.Name,
            ct => ImageImport.RemoveImageAsync(rbd, target, ct));
    }
}
