using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

// Read: the image as its RBD metadata records it, for refresh, import and after each change.
public sealed partial class VirtualImage
{
    protected override async Task<VirtualImageState?> ReadAsync(string id, VirtualImageState? state,
        OperationContext ctx)
    {
        // Import arrives with only the id: the cluster then comes from the provider configuration.
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString;
        if (state is null)
        {
            if (string.IsNullOrEmpty(connectString))
                throw new PreconditionFailedException($"importing VirtualImage \"{id}\" needs its cluster, and an " +
                    $"import id carries only the image's pool and name: set the provider's importConnectString to " +
                    $"the MvmCluster's connectString (`pulumi config set --secret mvm:importConnectString \"$(pulumi " +
                    $"stack output connectString --show-secrets -s <cluster stack>)\"`), then import again.");
            if (!ConnectString.TryDecode(connectString, out _, out var error))
                throw new PreconditionFailedException($"mvm:importConnectString {error}");
        }
        var conn = ClusterConnection.Open(connectString, ctx.RemoteHosts());
        var target = ParseId(id, conn.Info.VmPool);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct),
            readOnly: true);
        return await ReadBackAsync(new Rbd(ceph.Host, ClusterConnection.CephContext), target, connectString, ctx);
    }

    private static async Task<VirtualImageState?> ReadBackAsync(Rbd rbd, RbdImageRef image, string? connectString,
        OperationContext ctx)
    {
        var info = await ctx.StepAsync($"read RBD image {image}", rbd.Host.Name, ct => rbd.FindAsync(image, ct),
            readOnly: true);
        if (info is null) return null;
        var meta = await ctx.StepAsync($"read metadata of {image}", rbd.Host.Name,
            ct => rbd.ImageMetaListAsync(image, ct), readOnly: true);
        var snaps = await ctx.StepAsync($"read snapshots of {image}", rbd.Host.Name, ct => rbd.SnapListAsync(image, ct),
            readOnly: true);
        var usage = await ctx.StepAsync($"read space used by {image}", rbd.Host.Name,
            ct => rbd.DiskUsageAsync(image, ct), readOnly: true);
        return ImageMetadata.ToState(image, connectString, meta, info, usage, snaps);
    }

    /// <summary>Refresh keeps to what the program declared, each with the value the image records; import reproduces
    /// every recorded input.</summary>
    protected override VirtualImageArgs InputsOf(VirtualImageState state, VirtualImageArgs? declared)
    {
        var args = new VirtualImageArgs();
        foreach (var p in ObjectModel.Of(typeof(VirtualImageArgs)).Inputs)
            if (declared is null || p.Info.GetValue(declared) is not null) p.Info.SetValue(args,
                p.Info.GetValue(state));
        return args;
    }
}
