using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

[ResourceType("VirtualImage", """
A disk image (qcow2, raw) or installation medium (ISO) imported into an RBD pool of an
MvmCluster from a URL, a local file or a file on a cluster host, verified against its checksum,
with a protected snapshot so VM boot disks are cheap clones. Import progress (bytes copied) is
reported to the engine. Deleting refuses while VM disks are still cloned from it and names them.
""")]
public sealed partial class VirtualImage : Resource<VirtualImageArgs, VirtualImageState>
{
    /// <summary>The most memory a VM may have (4 TiB), so an image's minimum above it can never be met.</summary>
    public const int MaxMemoryMiB = 4 * 1024 * 1024;

    // A replacement reuses the RBD image name in the same pool.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

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
        return image is not null && Names.IsToken(image.Pool) && image.Image.Length is > 0 and <= 127
            && Names.IsToken(image.Image.Length > 64 ? image.Image[..64] : image.Image)
            ? image
            : throw new PreconditionFailedException($"\"{id}\" is not a VirtualImage id: use `<pool>/<image>` (e.g. " +
                $"`vms/debian-12`), or the image name alone for the cluster's VM pool");
    }
}
