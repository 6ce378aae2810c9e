
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;
using Mvm.Resources.Shared;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.VirtualImage;

[EnumType("ImageFormat", "The format of an image's source file.")]
public enum ImageFormat
{
    [EnumValue("qcow2", "QEMU copy-on-write image; converted to raw when stored in RBD.")]
    Qcow2,
    [EnumValue("raw", "Raw disk image, stored as is.")]
    Raw,
    [EnumValue("iso", "ISO 9660 installation or driver media, attached to VMs as a CD-ROM.")]
    Iso,
}

public class VirtualImageArgs
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Name of the image, also its RBD image name: letters, digits, '.', '_' or '-'. Defaults to the resource name. VirtualMachine `image` refers to it.")]
    public string? Name { get; set; }

    [Input("Ceph pool the image is stored in. Defaults to the cluster's `vmPool`. Changing it replaces the image.", ReplaceOnChanges = true)]
    public string? Pool { get; set; }

    [Input("Where the image comes from: an http(s) URL (downloaded by a cluster host), the absolute path of a file on the machine running Pulumi (streamed to a cluster host over SSH), or `<host>:<absolute path>` for a file already on a cluster host (e.g. `h1:/var/lib/images/debian.qcow2`). Changing it replaces the image.", Required = true, ReplaceOnChanges = true)]
    public string? Source { get; set; }

    [Input("Format of the source: `qcow2`, `raw` or `iso`. Detected with `qemu-img info` when left out; when set, the detected format must match. Changing it replaces the image.", ReplaceOnChanges = true)]
    public ImageFormat? Format { get; set; }

    [Input("Expected digest of the source file, `sha256:<64 hex digits>` or `sha512:<128 hex digits>`, verified before the image is used. Changing it replaces the image.", ReplaceOnChanges = true)]
    public string? Checksum { get; set; }

    [Input("Least memory a VM made from this image needs, in MiB; VirtualMachine checks `memoryMiB` against it.")]
    public int? MinimumMemoryMiB { get; set; }

    [Input("Operating system family of the image: `linux` or `windows`; VMs made from it default to it.", Default = "linux")]
    public OsType? OsType { get; set; }

    [Input("Firmware the image boots with: `bios` or `uefi`; VMs made from it default to it.", Default = "bios")]
    public Firmware? Firmware { get; set; }

    [Input("The guest has virtio drivers, so VMs made from it use virtio disks and NICs (true for current Linux; install them on Windows first).", Default = true)]
    public bool? VirtioDrivers { get; set; }
}

public sealed class VirtualImageState : VirtualImageArgs
{
    [Output("Bytes the image occupies in its pool (before replication).")]
    public long? SizeBytes { get; set; }

    [Output("Virtual disk size in bytes: the smallest boot disk a VM made from it can have.")]
    public long? VirtualSizeBytes { get; set; }

    [Output("RBD spec of the protected snapshot VM disks are cloned from, `pool/image@snapshot`.")]
    public string? ImageSpec { get; set; }

    [Output("Format detected by `qemu-img info` on the source (and the ISO 9660 signature, which qemu-img reports as raw).")]
    public ImageFormat? DetectedFormat { get; set; }

    [Output("sha256 of the source as imported, `sha256:<hex>`; refresh reports drift if the stored image changes.")]
    public string? SourceSha256 { get; set; }
}

[ResourceType("VirtualImage", """
A disk image (qcow2, raw) or installation medium (ISO) imported into an RBD pool of an
MvmCluster from a URL, a local file or a file on a cluster host, verified against its checksum,
with a protected snapshot so VM boot disks are cheap clones. Import progress (bytes copied) is
reported to the engine. Deleting refuses while VM disks are still cloned from it and names them.
""")]
public sealed class VirtualImage : Resource<VirtualImageArgs, VirtualImageState>
{
    /// <summary>The most memory a VM may have (4 TiB), so an image's minimum above it can never be met.</summary>
    public const int MaxMemoryMiB = 4 * 1024 * 1024;

    // A replacement reuses the RBD image name in the same pool.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    protected override void Validate(VirtualImageArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckSimpleName(ctx, "name", args.Name, 127, args.Name == ctx.ResourceName ? " (it defaults to the resource name; set `name` explicitly)" : "");
        Names.CheckPoolName(ctx, "pool", args.Pool);
        ImageSource.Check(ctx, "source", args.Source);
        Shared.Checksum.Check(ctx, "checksum", args.Checksum);
        ctx.RequirePositive("minimumMemoryMiB", args.MinimumMemoryMiB, MaxMemoryMiB, " MiB");
    }

    /// <summary>`pool/name`; import also takes a bare name, meaning the cluster's VM pool.</summary>
    public static RbdImageRef ParseId(string id, string defaultPool)
    {
        var parts = id.Split('/');
        var image = parts.Length switch
        {
            1 => new RbdImageRef(defaultPool, parts[0]),
            2 => new RbdImageRef(parts[0], parts[1]),
            _ => null,
        };
        return image is not null && Names.IsToken(image.Pool) && image.Image.Length is > 0 and <= 127 && Names.IsToken(image.Image.Length > 64 ? image.Image[..64] : image.Image)
            ? image
            : throw new PreconditionFailedException($"\"{id}\" is not a VirtualImage id: use `<pool>/<image>` (e.g. `vms/debian-12`), or the image name alone for the cluster's VM pool");
    }

    protected override IReadOnlyList<string> Plan(VirtualImageState? olds, VirtualImageArgs news)
    {
        if (olds is not null || news.Source is null) return [];
        var origin = ImageSource.Parse(news.Source);
        var target = $"{news.Pool ?? "<vmPool>"}/{news.Name}";
        return
        [
            origin.Kind switch
            {
                ImageOriginKind.Url => $"download {origin} on a cluster host",
                ImageOriginKind.LocalFile => $"upload {origin} to a cluster host over SSH",
                _ => $"read {origin} where it is",
            },
            news.Checksum is { } c ? $"verify {c.Split(':')[0]} before use" : "record its sha256 (no checksum declared: nothing to verify against)",
            "detect the format with qemu-img info" + (news.Format is { } f ? $" (must be {ImageMetadata.Word(f)})" : ""),
            $"write RBD image {target} (qcow2 converted to raw)",
            $"snapshot {target}@{ImageMetadata.Snapshot}, protected, for VM disk clones",
        ];
    }

    /// <summary>The pool left out means the cluster's VM pool: naming it explicitly afterwards (or an import that names it) is no change.</summary>
    protected override void CustomizeDiff(VirtualImageArgs? olds, VirtualImageArgs news, DiffResult diff)
    {
        if (olds is null || !diff.Entries.ContainsKey("pool")) return;
        if (EffectivePool(olds) is { } a && a == EffectivePool(news)) diff.Remove("pool");
    }

    private static string? EffectivePool(VirtualImageArgs args) =>
        args.Pool ?? (ConnectString.TryDecode(args.ConnectString, out var info, out _) ? info.VmPool : null);

    /// <summary>
    /// What refresh found beyond the inputs: a snapshot lost or unprotected by hand is put back by
    /// an update; an image whose recorded sha256 is gone or no longer the declared checksum cannot
    /// be trusted and is imported again.
    /// </summary>
    protected override void DiffOutputs(VirtualImageState olds, VirtualImageArgs news, DiffResult diff)
    {
        var declared = news.Checksum?.ToLowerInvariant();
        if (olds.SourceSha256 is null || (declared?.StartsWith("sha256:", StringComparison.Ordinal) == true && olds.SourceSha256.ToLowerInvariant() != declared))
            diff.Set("sourceSha256", DiffKind.UpdateReplace);
        else if (olds.ImageSpec is null && !diff.Replaces)
            diff.Set("imageSpec", DiffKind.Update);
    }

    protected override async Task<(string Id, VirtualImageState State)> CreateAsync(VirtualImageArgs args, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(args.ConnectString, ctx);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct), readOnly: true);
        var target = new RbdImageRef(args.Pool ?? conn.Info.VmPool, args.Name!);
        var id = target.ToString();
        var origin = ImageSource.Parse(args.Source!);
        var host = origin.Kind == ImageOriginKind.HostFile ? await HostOfAsync(conn, origin.Host!, ctx) : ceph.Host;
        var rbd = new Rbd(host, ClusterConnection.CephContext);

        if (await ctx.StepAsync($"look for pool {target.Pool}", ceph.Host.Name, ct => ceph.FindPoolAsync(target.Pool, ct), readOnly: true) is null)
            throw new PreconditionFailedException($"pool \"{target.Pool}\" does not exist in cluster {conn.Info.Name}: create it (a CephPool resource) or name an existing pool. Nothing was changed.");
        // The image appears under its name only complete: the import writes, snapshots and marks a
        // partial image named after this resource, and renaming it is the last step. So an image under
        // the name that is this resource's own was left by a create cut short after that rename.
        // The image and this resource's partial import are looked for in one round trip (a missing one must not stop the other).
        var partial = PartialImage(target, ctx.Urn);
        var lookup = new ToolBatch(stopOnFailure: false);
        var named = lookup.Add(rbd.ImageMetaFindCall(target));
        var unfinished = lookup.Add(rbd.ImageMetaFindCall(partial));
        var (existing, partialLeft) = await ctx.StepAsync($"look for RBD image {id}", host.Name, async ct =>
        {
            await lookup.RunAsync(host, rbd.CommandTimeout, ct);
            return (named.Value, unfinished.Value is not null); // read inside the step: a failure to answer is this step's, not an absence
        }, readOnly: true);
        if (existing is not null && !Ownership.IsMine(existing, Ownership.RbdKey, ctx.Urn))
            throw new PreconditionFailedException($"RBD image {id} already exists in cluster {conn.Info.Name} and is not this resource's: {Ownership.Describe(existing, Ownership.RbdKey)}. " +
                $"Import it (`pulumi import mvm:index:VirtualImage <resource> {id}` with mvm:importConnectString set) or choose another name. Nothing was changed.");
        if (existing is not null) await ctx.InfoAsync($"RBD image {id} was imported by a create of this resource that was cut short: taking it");
        else
        {
            if (partialLeft)
                await ctx.StepAsync($"remove the unfinished import {partial}", host.Name, ct => ImageImport.RemoveImageAsync(rbd, partial, ct));
            var figures = await new ImageImport(ctx, host, rbd, partial, args, origin, ctx.Urn).RunAsync();
            await ctx.StepAsync($"publish {partial} as {id}", host.Name, ct => rbd.RenameAsync(partial, target.Image, ct));
            await ctx.InfoAsync($"imported {origin} into {id}: {CopyProgress.Size(figures.SourceBytes)} fetched in {figures.Fetch.TotalSeconds:F1} s, verified in {figures.Verify.TotalSeconds:F1} s, " +
                $"{CopyProgress.Size(figures.VirtualBytes)} virtual written in {figures.Store.TotalSeconds:F1} s");
        }
        try
        {
            return (id, await ReadBackAsync(rbd, target, args.ConnectString, ctx) ?? throw new ProviderException($"RBD image {id} vanished right after its import"));
        }
        catch (Exception e) when (e is not ResourceInitFailedException)
        {
            throw new ResourceInitFailedException(id, new VirtualImageState { ConnectString = args.ConnectString, Name = target.Image, Pool = target.Pool, Source = args.Source, Format = args.Format, Checksum = args.Checksum },
                [$"RBD image {id} was imported but could not be read back: {e.Message}. Run `pulumi refresh`."]);
        }
    }

    /// <summary>Where an import is written before it is published under its name: the name, `.partial-`, and this resource's <see cref="Ownership.Token"/>.</summary>
    public static RbdImageRef PartialImage(RbdImageRef target, string urn) => target with { Image = $"{target.Image}.partial-{Ownership.Token(urn)}" };

    /// <summary>The cluster member a `host:path` source names, by its name in the cluster or its hostname.</summary>
    private static async Task<IHost> HostOfAsync(ClusterConnection conn, string name, OperationContext ctx)
    {
        var members = await ctx.StepAsync($"list the hosts of cluster {conn.Info.Name}", null, ct => conn.MembersAsync(ct), readOnly: true);
        var member = members.FirstOrDefault(m => m.Name == name) ?? members.FirstOrDefault(m => m.Hostname == name)
            ?? throw new PreconditionFailedException($"source names host \"{name}\", which is not a host of cluster {conn.Info.Name} (hosts: {string.Join(", ", members.Select(m => m.Name).Order(StringComparer.Ordinal))}). Nothing was changed.");
        return conn.Connect(member.Host);
    }

    protected override async Task<VirtualImageState?> ReadAsync(string id, VirtualImageState? state, OperationContext ctx)
    {
        // Import arrives with only the id: the cluster then comes from the provider configuration.
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString;
        if (state is null)
        {
            if (string.IsNullOrEmpty(connectString))
                throw new PreconditionFailedException($"importing VirtualImage \"{id}\" needs its cluster, and an import id carries only the image's pool and name: set the provider's importConnectString to the MvmCluster's connectString (`pulumi config set --secret mvm:importConnectString \"$(pulumi stack output connectString --show-secrets -s <cluster stack>)\"`), then import again.");
            if (!ConnectString.TryDecode(connectString, out _, out var error))
                throw new PreconditionFailedException($"mvm:importConnectString {error}");
        }
        var conn = ClusterConnection.Open(connectString, ctx);
        var target = ParseId(id, conn.Info.VmPool);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct), readOnly: true);
        return await ReadBackAsync(new Rbd(ceph.Host, ClusterConnection.CephContext), target, connectString, ctx);
    }

    private static async Task<VirtualImageState?> ReadBackAsync(Rbd rbd, RbdImageRef image, string? connectString, OperationContext ctx)
    {
        var info = await ctx.StepAsync($"read RBD image {image}", rbd.Host.Name, ct => rbd.FindAsync(image, ct), readOnly: true);
        if (info is null) return null;
        var meta = await ctx.StepAsync($"read metadata of {image}", rbd.Host.Name, ct => rbd.ImageMetaListAsync(image, ct), readOnly: true);
        var snaps = await ctx.StepAsync($"read snapshots of {image}", rbd.Host.Name, ct => rbd.SnapListAsync(image, ct), readOnly: true);
        var usage = await ctx.StepAsync($"read space used by {image}", rbd.Host.Name, ct => rbd.DiskUsageAsync(image, ct), readOnly: true);
        return ImageMetadata.ToState(image, connectString, meta, info, usage, snaps);
    }

    /// <summary>Refresh keeps to what the program declared, each with the value the image records; import reproduces every recorded input.</summary>
    protected override VirtualImageArgs InputsOf(VirtualImageState state, VirtualImageArgs? declared)
    {
        var args = new VirtualImageArgs();
        foreach (var p in ObjectModel.Of(typeof(VirtualImageArgs)).Inputs)
            if (declared is null || p.Info.GetValue(declared) is not null) p.Info.SetValue(args, p.Info.GetValue(state));
        return args;
    }

    /// <summary>Only the VM-facing settings change in place; a lost snapshot is made and protected again.</summary>
    protected override async Task<VirtualImageState> UpdateAsync(string id, VirtualImageState olds, VirtualImageArgs news, DiffResult diff, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(news.ConnectString, ctx);
        var target = ParseId(id, conn.Info.VmPool);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct), readOnly: true);
        var rbd = new Rbd(ceph.Host, ClusterConnection.CephContext);
        if (await ctx.StepAsync($"read RBD image {id}", rbd.Host.Name, ct => rbd.FindAsync(target, ct), readOnly: true) is null)
            throw new PreconditionFailedException($"RBD image {id} no longer exists in cluster {conn.Info.Name}: run `pulumi refresh` to drop it from state, then `pulumi up` to import it again.");
        var snaps = await ctx.StepAsync($"read snapshots of {id}", rbd.Host.Name, ct => rbd.SnapListAsync(target, ct), readOnly: true);
        if (!snaps.Any(s => s.Name == ImageMetadata.Snapshot && s.Protected))
        {
            await ctx.StepAsync($"snapshot {id}@{ImageMetadata.Snapshot}", rbd.Host.Name, ct => rbd.SnapCreateAsync(target, ImageMetadata.Snapshot, ct));
            await ctx.StepAsync($"protect {id}@{ImageMetadata.Snapshot}", rbd.Host.Name, ct => rbd.SnapProtectAsync(target, ImageMetadata.Snapshot, ct));
        }
        await ctx.StepAsync($"record the image's settings on {id}", rbd.Host.Name, ct => rbd.ImageMetaSetAsync(target, ImageMetadata.GuestSettings(news), ct));
        return await ReadBackAsync(rbd, target, news.ConnectString, ctx)
            ?? throw new ProviderException($"RBD image {id} vanished during the update");
    }

    protected override async Task DeleteAsync(string id, VirtualImageState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx);
        // An id naming what the Rbd client refuses (e.g. "vms/debian\n", accepted by Check before it
        // was anchored) was never imported: every rbd command of the provider, the create's own
        // look-up first of all, refuses that name. Nothing of ours can be there to delete.
        if (id.Split('/').Any(part => !Ceph.TakesName(part))) return;
        var target = ParseId(id, conn.Info.VmPool);
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct), readOnly: true);
        var rbd = new Rbd(ceph.Host, ClusterConnection.CephContext);
        if (await ctx.StepAsync($"read RBD image {id}", rbd.Host.Name, ct => rbd.FindAsync(target, ct), readOnly: true) is null)
            return; // already gone: deleting succeeds
        var snaps = await ctx.StepAsync($"read snapshots of {id}", rbd.Host.Name, ct => rbd.SnapListAsync(target, ct), readOnly: true);
        var clones = new List<RbdImageRef>();
        foreach (var snap in snaps)
            clones.AddRange(await ctx.StepAsync($"list clones of {id}@{snap.Name}", rbd.Host.Name, ct => rbd.ChildrenAsync(target, snap.Name, ct), readOnly: true));
        if (clones.Count > 0)
            throw new PreconditionFailedException($"RBD image {id} still has {clones.Count} clone(s): {DeleteGuard.Names(clones.Select(c => c.ToString()))}. " +
                "Delete the VMs whose disks they are (or flatten them: `rbd flatten <pool>/<image>`) first. The image was not deleted.");
        await ctx.StepAsync($"unprotect and remove {id} with its snapshots", rbd.Host.Name, ct => ImageImport.RemoveImageAsync(rbd, target, ct));
    }
}
