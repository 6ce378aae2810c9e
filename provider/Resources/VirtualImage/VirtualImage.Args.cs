using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

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

    [Input("Name of the image, also its RBD image name: letters, digits, '.', '_' or '-'. Defaults to the resource " +
        "name. VirtualMachine `image` refers to it.")]
    public string? Name { get; set; }

    [Input("Ceph pool the image is stored in. Defaults to the cluster's `vmPool`. Changing it replaces the image.",
        ReplaceOnChanges = true)]
    public string? Pool { get; set; }

    [Input("Where the image comes from: an http(s) URL (downloaded by a cluster host), the absolute path of a file " +
        "on the machine running Pulumi (streamed to a cluster host over SSH), or `<host>:<absolute path>` for a file " +
        "already on a cluster host (e.g. `h1:/var/lib/images/debian.qcow2`). Changing it replaces the " +
        "image.", Required = true, ReplaceOnChanges = true)]
    public string? Source { get; set; }

    [Input("Format of the source: `qcow2`, `raw` or `iso`. Detected with `qemu-img info` when left out; when set, " +
        "the detected format must match. Changing it replaces the image.", ReplaceOnChanges = true)]
    public ImageFormat? Format { get; set; }

    [Input("Expected digest of the source file, `sha256:<64 hex digits>` or `sha512:<128 hex digits>`, verified " +
        "before the image is used. Changing it replaces the image.", ReplaceOnChanges = true)]
    public string? Checksum { get; set; }

    [Input("Least memory a VM made from this image needs, in MiB; VirtualMachine checks `memoryMiB` against it.")]
    public int? MinimumMemoryMiB { get; set; }

    [Input("Operating system family of the image: `linux` or `windows`; VMs made from it default to it.",
        Default = "linux")]
    public OsType? OsType { get; set; }

    [Input("Firmware the image boots with: `bios` or `uefi`; VMs made from it default to it.", Default = "bios")]
    public Firmware? Firmware { get; set; }

    [Input("The guest has virtio drivers, so VMs made from it use virtio disks and NICs (true for current Linux; " +
        "install them on Windows first).", Default = true)]
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

    [Output("Format detected by `qemu-img info` on the source (and the ISO 9660 signature, which qemu-img reports as " +
        "raw).")]
    public ImageFormat? DetectedFormat { get; set; }

    [Output("sha256 of the source as imported, `sha256:<hex>`; refresh reports drift if the stored image changes.")]
    public string? SourceSha256 { get; set; }
}
