using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// An RBD image a resource makes (a VM disk, a cloud-init seed): made and marked with the
/// resource's URN in one round trip, and when one is already there under its name, carried on only
/// if it is the resource's own (see <see cref="Ownership"/>).
/// </summary>
public static class OwnedRbdImage
{
    /// <summary>
    /// Makes <paramref name="image"/> with the commands <paramref name="make"/> adds to a batch and
    /// marks it in the same round trip, unless it exists.
    /// An existing image is kept when it carries <paramref name="urn"/>, or carries no mark and
    /// <paramref name="stateNamesIt"/> (the resource's state already recorded it: a create cut
    /// short before marks existed, or a host lost mid-command); it is then marked. Any other is
    /// refused, naming it and whose it is. True when the image was made now.
    /// </summary>
    public static Task<bool> EnsureAsync(Rbd rbd, RbdImageRef image, string urn, bool stateNamesIt, ToolCall<bool> make,
        CancellationToken ct) =>
        EnsureAsync(rbd, image, urn, stateNamesIt, batch => batch.Add(make), ct);

    /// <inheritdoc cref="EnsureAsync(Rbd, RbdImageRef, string, bool, ToolCall{bool}, CancellationToken)"/>
    public static async Task<bool> EnsureAsync(Rbd rbd, RbdImageRef image, string urn, bool stateNamesIt,
        Action<ToolBatch> make, CancellationToken ct)
    {
        var marks = await rbd.ImageMetaFindAsync(image, ct).ConfigureAwait(false);
        if (marks is null)
        {
            var batch = new ToolBatch();
            make(batch);
            batch.Add(rbd.ImageMetaSetCall(image, Ownership.RbdKey, urn));
            await batch.RunCheckedAsync(rbd.Host, rbd.CommandTimeout, ct).ConfigureAwait(false);
            return true;
        }
        if (Ownership.IsMine(marks, Ownership.RbdKey, urn)) return false;
        if (stateNamesIt && !marks.ContainsKey(Ownership.RbdKey))
        {
            await rbd.ImageMetaSetAsync(image, new Dictionary<string, string?> { [Ownership.RbdKey] = urn }, ct)
                .ConfigureAwait(false);
            return false;
        }
        throw new PreconditionFailedException($"RBD image {image} already exists and is not this resource's: " +
            $"{Ownership.Describe(marks, Ownership.RbdKey)}. " +
            "Remove it (`rbd rm`) if nothing needs it, or give the resource another name; it was not changed");
    }
}
