using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;

namespace Mvm.Resources;

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

    [Input("Where the image comes from: an http(s) URL, or the absolute path of a file on the machine running Pulumi. Changing it replaces the image.", Required = true, ReplaceOnChanges = true)]
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

    [Output("Format detected by `qemu-img info` on the source.")]
    public ImageFormat? DetectedFormat { get; set; }

    [Output("sha256 of the source as imported, `sha256:<hex>`; refresh reports drift if the stored image changes.")]
    public string? SourceSha256 { get; set; }
}

[ResourceType("VirtualImage", """
A disk image (qcow2, raw) or installation medium (ISO) imported into an RBD pool of an
MvmCluster from a URL or a local file, verified against its checksum, with a protected snapshot so
VM boot disks are cheap clones. Import progress (bytes copied) is reported to the engine. Deleting
refuses while VM disks are still cloned from it and names them.
""")]
public sealed class VirtualImage : Resource<VirtualImageArgs, VirtualImageState>
{
    private const string ArrivesWith = "image import on real hosts arrives with issue #5";

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

    protected override Task<(string Id, VirtualImageState State)> CreateAsync(VirtualImageArgs args, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "create", ArrivesWith);

    protected override Task<VirtualImageState?> ReadAsync(string id, VirtualImageState? state, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "read", ArrivesWith);

    protected override Task<VirtualImageState> UpdateAsync(string id, VirtualImageState olds, VirtualImageArgs news, DiffResult diff, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "update", ArrivesWith);

    protected override Task DeleteAsync(string id, VirtualImageState state, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "delete", ArrivesWith);
}
