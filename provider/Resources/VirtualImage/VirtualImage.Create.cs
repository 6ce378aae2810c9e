using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

// Create: the import into a partial image named after the resource, published under its name last.
public sealed partial class VirtualImage
{
    protected override async Task<(string Id, VirtualImageState State)> CreateAsync(VirtualImageArgs args,
        OperationContext ctx)
    {
        var conn = ClusterConnection.Open(args.ConnectString, ctx.RemoteHosts());
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct),
            readOnly: true);
        var target = new RbdImageRef(args.Pool ?? conn.Info.VmPool, args.Name!);
        var id = target.ToString();
        var origin = ImageSource.Parse(args.Source!);
        var host = origin.Kind == ImageOriginKind.HostFile ? await HostOfAsync(conn, origin.Host!, ctx) : ceph.Host;
        var rbd = new Rbd(host, ClusterConnection.CephContext);

        if (await ctx.StepAsync($"look for pool {target.Pool}", ceph.Host.Name,
            ct => ceph.FindPoolAsync(target.Pool, ct), readOnly: true) is null)
            throw new PreconditionFailedException($"pool \"{target.Pool}\" does not exist in cluster " +
                $"{conn.Info.Name}: create it (a CephPool resource) or name an existing pool. Nothing was changed.");
        // The image appears under its name only complete: the import writes, snapshots and marks a
        // partial image named after this resource, and renaming it is the last step. So an image under
        // the name that is this resource's own was left by a create cut short after that rename.
        // The image and this resource's partial import are looked for in one round trip (a missing one must not stop
        // the other).
        var partial = PartialImage(target, ctx.Urn);
        var lookup = new ToolBatch(stopOnFailure: false);
        var named = lookup.Add(rbd.ImageMetaFindCall(target));
        var unfinished = lookup.Add(rbd.ImageMetaFindCall(partial));
        var (existing, partialLeft) = await ctx.StepAsync($"look for RBD image {id}", host.Name, async ct =>
        {
            await lookup.RunAsync(host, rbd.CommandTimeout, ct);
            // Read inside the step: a failure to answer is this step's, not an absence.
            return (named.Value, unfinished.Value is not null);
        }, readOnly: true);
        if (existing is not null && !Ownership.IsMine(existing, Ownership.RbdKey, ctx.Urn))
            throw new PreconditionFailedException($"RBD image {id} already exists in cluster {conn.Info.Name} and is " +
                $"not this resource's: {Ownership.Describe(existing, Ownership.RbdKey)}. " +
                $"Import it (`pulumi import mvm:index:VirtualImage <resource> {id}` with mvm:importConnectString " +
                $"set) or choose another name. Nothing was changed.");
        if (existing is not null) await ctx.InfoAsync($"RBD image {id} was imported by a create of this resource " +
            $"that was cut short: taking it");
        else
        {
            if (partialLeft)
                await ctx.StepAsync($"remove the unfinished import {partial}", host.Name,
                    ct => ImageImport.RemoveImageAsync(rbd, partial, ct));
            var figures = await new ImageImport(ctx, host, rbd, partial, args, origin, ctx.Urn).RunAsync();
            await ctx.StepAsync($"publish {partial} as {id}", host.Name,
                ct => rbd.RenameAsync(partial, target.Image, ct));
            await ctx.InfoAsync($"imported {origin} into {id}: {CopyProgress.Size(figures.SourceBytes)} fetched in " +
                $"{figures.Fetch.TotalSeconds:F1} s, verified in {figures.Verify.TotalSeconds:F1} s, " +
                $"{CopyProgress.Size(figures.VirtualBytes)} virtual written in {figures.Store.TotalSeconds:F1} s");
        }
        try
        {
            return (id, await ReadBackAsync(rbd, target, args.ConnectString,
                ctx) ?? throw new ProviderException($"RBD image {id} vanished right after its import"));
        }
        catch (Exception e) when (e is not ResourceInitFailedException)
        {
            throw new ResourceInitFailedException(id, new VirtualImageState
                {
                    ConnectString = args.ConnectString, Name = target.Image, Pool = target.Pool, Source = args.Source,
                    Format = args.Format, Checksum = args.Checksum,
                },
                [$"RBD image {id} was imported but could not be read back: {e.Message}. Run `pulumi refresh`."]);
        }
    }

    /// <summary>Where an import is written before it is published under its name: the name, `.partial-`, and this
    /// resource's <see cref="Ownership.Token"/>.</summary>
    public static RbdImageRef PartialImage(RbdImageRef target, string urn) =>
        target with { Image = $"{target.Image}.partial-{Ownership.Token(urn)}" };

    /// <summary>The cluster member a `host:path` source names, by its name in the cluster or its hostname.</summary>
    private static async Task<RemoteHost> HostOfAsync(ClusterConnection conn, string name, OperationContext ctx)
    {
        var members = await ctx.StepAsync($"list the hosts of cluster {conn.Info.Name}", null,
            ct => conn.MembersAsync(ct), readOnly: true);
        var member = members.FirstOrDefault(m => m.Name == name) ?? members.FirstOrDefault(m => m.Hostname == name)
            ?? throw new PreconditionFailedException($"source names host \"{name}\", which is not a host of cluster " +
                $"{conn.Info.Name} (hosts: " +
                $"{string.Join(", ", members.Select(m => m.Name).Order(StringComparer.Ordinal))}). Nothing was " +
                $"changed.");
        return conn.Connect(member.Host);
    }
}
