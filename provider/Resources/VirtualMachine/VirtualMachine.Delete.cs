using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

// Delete: the domain shut down and undefined wherever it is, then its disks and seeds.
public sealed partial class VirtualMachine
{
    protected override async Task DeleteAsync(string id, VirtualMachineState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx.RemoteHosts());
        var found = await VmHosts.FindAsync(conn, id, state.CurrentHost, ctx);
        RemoteHost? host = found?.Host;
        if (found is not null)
        {
            var virsh = new Virsh(found.Host);
            var name = found.Xml.Name;
            if (found.Xml.Id is not null)
            {
                await ctx.StatusAsync($"shutting down VM {name} on {found.Member.Name} (forced off after " +
                    $"{ShutdownWait.TotalSeconds:0} s)");
                var off = await ctx.StepAsync("shut down VM", found.Member.Name,
                    ct => virsh.ShutdownAsync(name, ShutdownWait, GuestShutdownModes, ct));
                if (!off)
                {
                    await ctx.StepAsync("power off VM", found.Member.Name, ct => virsh.DestroyAsync(name, ct));
                    await ctx.InfoAsync($"VM {name} did not shut down within {ShutdownWait.TotalSeconds:0} s; it was " +
                        $"powered off");
                }
            }
            await ctx.StepAsync("undefine VM", found.Member.Name, ct => virsh.UndefineAsync(name, ct: ct));
        }
        // Disks are found from what the state recorded, so a create that failed before the domain existed is still
        // cleaned up.
        host ??= (await VmHosts.ChooseAsync(conn, null, 0, ctx)).Host;
        var rbd = new Rbd(host, ClusterConnection.CephContext);
        var images = new List<RbdImageRef>();
        if (state.RetainDisks != true)
            images.AddRange((state.AttachedDisks ?? []).Select(d => VmState.SplitRbd(d.RbdImage))
                .Where(p => p.Image is not null).Select(p => new RbdImageRef(p.Pool!, p.Image!)));
        images.AddRange(await SeedImagesAsync(rbd, conn.Info.VmPool, state.Name!, ctx));
        // A disk image whose name the Rbd client refuses (state written before Check was anchored,
        // e.g. a disk named "data\n": the create stopped when that disk was to be made) was never
        // made by this provider, since every rbd command of it refuses that name, creates included.
        // rbd itself would take such a name, so an image of that name may exist, made by someone
        // else: not ours to remove. Asking about it would only fail again and wedge the delete.
        foreach (var image in images.Distinct().Where(i => i.IsNameable))
            await ctx.StepAsync($"remove {image}", host.Name, async ct =>
            {
                if (await rbd.FindAsync(image, ct) is not null) await rbd.RemoveAsync(image, ct);
            });
    }

    /// <summary>The VM's seed images (one per cloud-init content it had): every `NAME-seed-*` in the pool.</summary>
    private static async Task<IReadOnlyList<RbdImageRef>> SeedImagesAsync(Rbd rbd, string pool, string vm,
        OperationContext ctx)
    {
        var listing = await ctx.StepAsync("list images", rbd.Host.Name, ct => rbd.ListAsync(pool, null, ct),
            readOnly: true);
        return listing.Images.Where(i => i.Image.StartsWith(vm + "-seed-", StringComparison.Ordinal))
            .Select(i => new RbdImageRef(pool, i.Image)).ToList();
    }
}
