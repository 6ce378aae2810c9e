using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// rbd commands as <see cref="ToolCall{T}"/>s, to go with others in one <see cref="ToolBatch"/>:
/// an image is made and marked with its owner in one round trip, so no step boundary falls
/// between the two (issue 12: whatever the provider makes carries whose it is as it is made).
/// Same argv and error mapping as the awaitable methods.
/// </summary>
public sealed partial class Rbd
{
    /// <summary>`rbd create` (see <see cref="CreateAsync"/>).</summary>
    public ToolCall<bool> CreateCall(RbdImageRef image, long sizeBytes, RbdImageOptions? options) =>
        Call(["create", .. Spec(image), "--size", Size(sizeBytes), .. ImageOptions(options)], r => Ok(r, image));

    /// <summary>`rbd clone` (see <see cref="CloneAsync"/>).</summary>
    public ToolCall<bool> CloneCall(RbdImageRef parent, string snapshot, RbdImageRef child, RbdImageOptions? options) =>
        Call(["clone", .. Spec(parent), "--snap", Ceph.CheckName(snapshot, "snapshot name"), .. DestSpec(child),
            .. ImageOptions(options)],
            r => r.ExitCode == 0 ? true : throw Error(r, parent, "snapshot", $"{parent}@{snapshot}"));

    /// <summary>`rbd import --no-progress` of a file on the host (see <see cref="ImportAsync"/>).</summary>
    public ToolCall<bool> ImportCall(string sourcePath, RbdImageRef dest) =>
        Call(["import", .. DestSpec(dest), "--no-progress", sourcePath],
            r => r.ExitCode == 0 ? true : throw ImportError(r, dest, sourcePath));

    /// <summary>`rbd image-meta set` of one key.</summary>
    public ToolCall<bool> ImageMetaSetCall(RbdImageRef image, string key, string value) =>
        Call(["image-meta", "set", .. Spec(image), MetaKey(key), value], r => Ok(r, image));

    /// <summary>
    /// `rbd image-meta list` (see <see cref="ImageMetaListAsync"/>); null when the image does not exist.
    /// </summary>
    public ToolCall<IReadOnlyDictionary<string, string>?> ImageMetaFindCall(RbdImageRef image) =>
        Call(["image-meta", "list", .. Spec(image), "--format", "json"],
            r => r.ExitCode == CephErrno.ENOENT ? null
                : r.ExitCode == 0 ? ParseImageMeta(r.StdoutText) : throw Error(r, image));

    /// <summary>
    /// The image's metadata, or null when the image does not exist: "is it there, and whose is it" in one round trip.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>?> ImageMetaFindAsync(RbdImageRef image, CancellationToken ct)
    {
        var call = ImageMetaFindCall(image);
        return call.Read(await _host.RunAsync(call.Argv, null, CommandTimeout, ct).ConfigureAwait(false));
    }

    /// <summary>`rbd rename` within the image's pool: how a finished image is published under its final name.</summary>
    public async Task RenameAsync(RbdImageRef image, string newName, CancellationToken ct)
    {
        var r = await RunAsync(["rename", .. Spec(image), "--dest-pool", Ceph.CheckName(image.Pool, "pool name"),
            .. image.Namespace is null ? Array.Empty<string>()
                : ["--dest-namespace", Ceph.CheckName(image.Namespace, "namespace")],
            "--dest", Ceph.CheckName(newName, "image name")], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image);
    }

    private ToolCall<T> Call<T>(string[] command, Func<CommandResult, T> read) => new(Argv(command), null, r =>
    {
        if (r.ExitCode == 127) throw new ToolMissingException(_host.Name, Tool, "ceph-common");
        CephFailure.ThrowIfUnreachable(r, Tool);
        return read(r);
    });

    private bool Ok(CommandResult r, RbdImageRef image) => r.ExitCode == 0 ? true : throw Error(r, image);
}
