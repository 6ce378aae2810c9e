using Mvm.Core;
namespace Mvm.Tools;

/// <summary>
/// An RBD image by pool, optional namespace and name, as rbd's `--pool/--namespace/--image` options take it.
/// </summary>
public sealed record RbdImageRef(string Pool, string Image, string? Namespace = null)
{
    /// <summary>rbd's image spec, `pool[/namespace]/image`, for messages.</summary>
    public override string ToString() => Namespace is null ? $"{Pool}/{Image}" : $"{Pool}/{Namespace}/{Image}";

    /// <summary>True when the Rbd client takes every part of this spec (see <see cref="Ceph.TakesName"/>).</summary>
    public bool IsNameable =>
        Ceph.TakesName(Pool) && Ceph.TakesName(Image) && (Namespace is null || Ceph.TakesName(Namespace));
}

/// <summary>`rbd info --format json`. Sizes in bytes; <see cref="Parent"/> is set for a clone.</summary>
public sealed record RbdImageInfo(
    string Name,
    string Id,
    long SizeBytes,
    long Objects,
    int Order,
    long ObjectSizeBytes,
    int SnapshotCount,
    string BlockNamePrefix,
    int Format,
    IReadOnlyList<string> Features,
    IReadOnlyList<string> OpFeatures,
    IReadOnlyList<string> Flags,
    RbdParent? Parent);

/// <summary>The snapshot a clone was made from.</summary>
public sealed record RbdParent(string Pool, string? Namespace, string Image, string? Id, string Snapshot,
    long? OverlapBytes);

/// <summary>`rbd ls -l`: images and their snapshots in one pool.</summary>
public sealed record RbdPoolListing(IReadOnlyList<RbdListedImage> Images, IReadOnlyList<RbdListedSnapshot> Snapshots)
{
    public RbdListedImage? Find(string image) => Images.FirstOrDefault(i => i.Image == image);
}

public sealed record RbdListedImage(string Image, string? Id, long SizeBytes, int Format, RbdParent? Parent,
    string? LockType);

public sealed record RbdListedSnapshot(string Image, string Snapshot, int? SnapshotId, long SizeBytes, bool Protected);

/// <summary>`rbd snap ls --format json`.</summary>
public sealed record RbdSnapshot(int Id, string Name, long SizeBytes, bool Protected, string? Timestamp);

/// <summary>Options of `rbd create`, `rbd clone` and `rbd import`.</summary>
public sealed record RbdImageOptions
{
    /// <summary>
    /// Image features, e.g. layering, exclusive-lock, object-map, fast-diff, deep-flatten. Null = the cluster's
    /// rbd_default_features.
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Object size as a power of two (22 = 4 MiB). Null = the default.</summary>
    public int? Order { get; init; }
}

/// <summary>
/// An RBD operation Ceph refused because the image is in use: it has snapshots, clones, or watchers (a running VM).
/// </summary>
public sealed class RbdImageBusyException(string host, RbdImageRef image, string reason)
    : ProviderException($"RBD image {image} on {host} is in use: {reason}.")
{
    public RbdImageRef Image { get; } = image;
    public string Reason { get; } = reason;
}

/// <summary>
/// A resize would shrink the image and the caller did not allow shrinking (data past the new end would be lost).
/// </summary>
public sealed class RbdShrinkRefusedException(string host, RbdImageRef image, long requestedBytes)
    :
        ProviderException($"resizing RBD image {image} on {host} to {requestedBytes} bytes would shrink it and lose " +
        "the data past that point; " +
        "shrinking must be asked for explicitly.")
{
    public RbdImageRef Image { get; } = image;
    public long RequestedBytes { get; } = requestedBytes;
}
