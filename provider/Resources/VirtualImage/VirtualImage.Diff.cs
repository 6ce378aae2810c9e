using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.VirtualImage;

// What a preview shows: the import's plan, and the diffs beyond the inputs.
public sealed partial class VirtualImage
{
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
            news.Checksum is { } c ? $"verify {c.Split(':')[0]} before use" : "record its sha256 (no checksum " +
                "declared: nothing to verify against)",
            "detect the format with qemu-img info" + (news.Format is { } f ? $" (must be " +
            $"{ImageMetadata.Word(f)})" : ""),
            $"write RBD image {target} (qcow2 converted to raw)",
            $"snapshot {target}@{ImageMetadata.Snapshot}, protected, for VM disk clones",
        ];
    }

    /// <summary>The pool left out means the cluster's VM pool: naming it explicitly afterwards (or an import that names
    /// it) is no change.</summary>
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
        if (olds.SourceSha256 is null || (declared?.StartsWith("sha256:",
            StringComparison.Ordinal) == true && olds.SourceSha256.ToLowerInvariant() != declared))
            diff.Set("sourceSha256", DiffKind.UpdateReplace);
        else if (olds.ImageSpec is null && !diff.Replaces)
            diff.Set("imageSpec", DiffKind.Update);
    }
}
