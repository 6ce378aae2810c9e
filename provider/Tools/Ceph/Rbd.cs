using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// The `rbd` CLI on one host: images, snapshots, clones and imports in a pool. Images are named
/// with `--pool/--namespace/--image` options (never a parsed "pool/image" spec), sizes are passed
/// in bytes (`--size 1073741824B`), and listings are read with `--format json`. A missing pool,
/// image or snapshot is <see cref="ObjectNotFoundException"/>; an image held by snapshots, clones
/// or a running VM is <see cref="RbdImageBusyException"/>.
/// </summary>
public sealed partial class Rbd
{
    internal const string Tool = "rbd";
    private readonly IHost _host;

    public Rbd(IHost host, CephContext? context = null, TimeSpan? commandTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        Context = context ?? CephContext.Default;
        Context.Validate();
        CommandTimeout = commandTimeout ?? Context.ConnectTimeout + TimeSpan.FromMinutes(2);
    }

    public IHost Host => _host;
    public CephContext Context { get; }

    /// <summary>Bound for metadata commands; imports take their own timeout.</summary>
    public TimeSpan CommandTimeout { get; }

    /// <summary>The argv for a subcommand: `rbd [context options] &lt;words…&gt;`.</summary>
    public string[] Argv(params string[] command) => [Tool, .. Context.RbdOptions(), .. command];

    /// <summary>`rbd create`: a new format-2 image of <paramref name="sizeBytes"/>.</summary>
    public async Task CreateAsync(RbdImageRef image, long sizeBytes, RbdImageOptions? options, CancellationToken ct)
    {
        var r = await RunAsync(["create", .. Spec(image), "--size", Size(sizeBytes), .. ImageOptions(options)],
            CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image);
    }

    /// <summary>`rbd info`; <see cref="ObjectNotFoundException"/> when the pool or image does not exist.</summary>
    public async Task<RbdImageInfo> InfoAsync(RbdImageRef image, CancellationToken ct)
    {
        var r = await RunAsync(["info", .. Spec(image), "--format", "json"], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image);
        return ParseInfo(r.StdoutText);
    }

    /// <summary>`rbd info`, or null when the image (or its pool) does not exist: Read's "gone".</summary>
    public async Task<RbdImageInfo?> FindAsync(RbdImageRef image, CancellationToken ct)
    {
        try
        {
            return await InfoAsync(image, ct).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    /// <summary>`rbd ls -l`: every image in the pool (or namespace) with size, parent and snapshots.</summary>
    public async Task<RbdPoolListing> ListAsync(string pool, string? ns, CancellationToken ct)
    {
        string[] where = ["--pool", Ceph.CheckName(pool, "pool name"),
            .. ns is null ? Array.Empty<string>() : ["--namespace", Ceph.CheckName(ns, "namespace")]];
        var r = await RunAsync(["ls", "-l", .. where, "--format", "json"], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, null, kind: "pool", name: pool);
        return ParseList(r.StdoutText);
    }

    /// <summary>
    /// `rbd resize`. Growing is always allowed; shrinking only with <paramref name="allowShrink"/>,
    /// otherwise rbd refuses and this throws <see cref="RbdShrinkRefusedException"/> with the image unchanged.
    /// </summary>
    public async Task ResizeAsync(RbdImageRef image, long sizeBytes, bool allowShrink, CancellationToken ct)
    {
        string[] command = ["resize", .. Spec(image), "--size", Size(sizeBytes),
            .. allowShrink ? new[] { "--allow-shrink" } : [], "--no-progress"];
        var r = await RunAsync(command, CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode == CephErrno.EINVAL && r.StderrText.Contains("--allow-shrink", StringComparison.Ordinal))
            throw new RbdShrinkRefusedException(_host.Name, image, sizeBytes);
        if (r.ExitCode != 0) throw Error(r, image);
    }

    /// <summary>
    /// `rbd rm`. An image that (or whose pool) is already gone is <see cref="RemovalOutcome.AlreadyAbsent"/>;
    /// one with snapshots or watchers is <see cref="RbdImageBusyException"/>.
    /// </summary>
    public async Task<RemovalOutcome> RemoveAsync(RbdImageRef image, CancellationToken ct, TimeSpan? timeout = null)
    {
        var r = await RunAsync(["rm", .. Spec(image), "--no-progress"], timeout ?? CommandTimeout, ct)
            .ConfigureAwait(false);
        if (r.ExitCode == 0) return RemovalOutcome.Removed;
        if (r.ExitCode == CephErrno.ENOENT) return RemovalOutcome.AlreadyAbsent;
        throw Error(r, image);
    }

    /// <summary>`rbd snap create`. Returns false when a snapshot of that name already existed.</summary>
    public async Task<bool> SnapCreateAsync(RbdImageRef image, string snapshot, CancellationToken ct)
    {
        var r = await
            RunAsync(["snap", "create", .. Spec(image), "--snap", Ceph.CheckName(snapshot, "snapshot name"),
            "--no-progress"], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode == CephErrno.EEXIST) return false;
        if (r.ExitCode != 0) throw Error(r, image);
        return true;
    }

    /// <summary>`rbd snap protect` (needed before cloning a v1-clone parent); idempotent.</summary>
    public async Task SnapProtectAsync(RbdImageRef image, string snapshot, CancellationToken ct)
    {
        var r = await RunAsync(["snap", "protect", .. Spec(image), "--snap", Ceph.CheckName(snapshot, "snapshot name")],
            CommandTimeout, ct).ConfigureAwait(false);
        // rbd answers EBUSY "snap is already protected": the state asked for already holds.
        if (r.ExitCode == 0
            || (r.ExitCode == CephErrno.EBUSY && r.StderrText.Contains("already protected", StringComparison.Ordinal)))
            return;
        throw Error(r, image, "snapshot", $"{image}@{snapshot}");
    }

    /// <summary>
    /// `rbd snap unprotect`; idempotent. Refused (<see cref="RbdImageBusyException"/>) while clones of the snapshot
    /// exist.
    /// </summary>
    public async Task SnapUnprotectAsync(RbdImageRef image, string snapshot, CancellationToken ct)
    {
        var r = await
            RunAsync(["snap", "unprotect", .. Spec(image), "--snap", Ceph.CheckName(snapshot, "snapshot name")],
            CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode == 0
            || (r.ExitCode == CephErrno.EINVAL
            && r.StderrText.Contains("already unprotected", StringComparison.Ordinal))) return;
        if (r.ExitCode == CephErrno.EBUSY) throw new RbdImageBusyException(_host.Name, image,
            $"snapshot {snapshot} has clones; flatten or remove them first");
        throw Error(r, image, "snapshot", $"{image}@{snapshot}");
    }

    /// <summary>`rbd snap ls --format json`.</summary>
    public async Task<IReadOnlyList<RbdSnapshot>> SnapListAsync(RbdImageRef image, CancellationToken ct)
    {
        var r = await RunAsync(["snap", "ls", .. Spec(image), "--format", "json"], CommandTimeout, ct)
            .ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image);
        return ParseSnapList(r.StdoutText);
    }

    /// <summary>
    /// `rbd snap rm`. A protected snapshot must be unprotected first; a missing one is
    /// <see cref="RemovalOutcome.AlreadyAbsent"/>.
    /// </summary>
    public async Task<RemovalOutcome> SnapRemoveAsync(RbdImageRef image, string snapshot, CancellationToken ct)
    {
        var r = await
            RunAsync(["snap", "rm", .. Spec(image), "--snap", Ceph.CheckName(snapshot, "snapshot name"),
            "--no-progress"], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode == 0) return RemovalOutcome.Removed;
        if (r.ExitCode == CephErrno.ENOENT
            && !r.StderrText.Contains("error opening", StringComparison.Ordinal)) return RemovalOutcome.AlreadyAbsent;
        if (r.ExitCode == CephErrno.EBUSY) throw new RbdImageBusyException(_host.Name, image,
            $"snapshot {snapshot} is protected; unprotect it first");
        throw Error(r, image, "snapshot", $"{image}@{snapshot}");
    }

    /// <summary>`rbd clone`: a copy-on-write child of <paramref name="parent"/>@<paramref name="snapshot"/>.</summary>
    public async Task CloneAsync(RbdImageRef parent, string snapshot, RbdImageRef child, RbdImageOptions? options,
        CancellationToken ct)
    {
        string[] command = ["clone", .. Spec(parent), "--snap", Ceph.CheckName(snapshot, "snapshot name"),
            .. DestSpec(child), .. ImageOptions(options)];
        var r = await RunAsync(command, CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, parent, "snapshot", $"{parent}@{snapshot}");
    }

    /// <summary>`rbd children`: the clones of a snapshot (an image with clones cannot be deleted).</summary>
    public async Task<IReadOnlyList<RbdImageRef>> ChildrenAsync(RbdImageRef image, string snapshot,
        CancellationToken ct)
    {
        var r = await
            RunAsync(["children", .. Spec(image), "--snap", Ceph.CheckName(snapshot, "snapshot name"), "--format",
            "json"], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image, "snapshot", $"{image}@{snapshot}");
        using var doc = CephJson.Parse(r.StdoutText, "rbd children");
        return doc.RootElement.EnumerateArray()
            .Select(c =>
                new RbdImageRef(c.Str("pool") ?? "", c.Str("image") ?? "",
                c.Str("pool_namespace") is { Length: > 0 } ns ? ns : null)).ToList();
    }

    /// <summary>
    /// `rbd import` of a file already on the host into a new image. Without <paramref name="progress"/>
    /// it runs with `--no-progress`. With it, rbd's own progress lines ("Importing image: 42%
    /// complete...") are read while it runs through <see cref="RemoteJob"/> (polled at most every
    /// <paramref name="pollInterval"/>), and each new percentage is reported. Cancelling stops
    /// the import on the host.
    /// </summary>
    public async Task ImportAsync(string sourcePath, RbdImageRef dest, RbdImageOptions? options, TimeSpan timeout,
        CancellationToken ct,
        IProgress<int>? progress = null, TimeSpan? pollInterval = null)
    {
        if (!sourcePath.StartsWith('/')) throw new
            ArgumentException($"the import source must be an absolute path on the host, got \"{sourcePath}\"",
            nameof(sourcePath));
        string[] import = ["import", .. DestSpec(dest), .. ImageOptions(options)];
        if (progress is null)
        {
            var quiet = await RunAsync([.. import, "--no-progress", sourcePath], timeout, ct).ConfigureAwait(false);
            if (quiet.ExitCode != 0) throw ImportError(quiet, dest, sourcePath);
            return;
        }

        var last = -1;
        var result = await RemoteJob.RunAsync(_host, Argv([.. import, sourcePath]), RemoteJob.Stream.Stderr, tail =>
        {
            if (LastPercent(tail) is { } p && p > last) progress.Report(last = p);
        }, timeout, ct, pollInterval).ConfigureAwait(false);
        if (result.ExitCode == 127) throw new ToolMissingException(_host.Name, Tool, "ceph-common");
        if (result.ExitCode != 0) throw ImportError(result, dest, sourcePath);
        if (last < 100) progress.Report(100);
    }

    /// <summary>The last percentage in rbd's progress output, whose lines are separated by carriage returns.</summary>
    public static int? LastPercent(string progressText)
    {
        int? last = null;
        foreach (Match m in Percent().Matches(progressText))
            last = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return last;
    }

    [GeneratedRegex(@"(\d{1,3})% complete", RegexOptions.CultureInvariant)]
    private static partial Regex Percent();

    private Exception ImportError(CommandResult r, RbdImageRef dest, string source)
    {
        CephFailure.ThrowIfUnreachable(r, Tool);
        // "rbd: error opening /root/x.raw" then "import failed: (2) No such file or directory".
        if (r.ExitCode == CephErrno.ENOENT
            && r.StderrText.Contains("error opening " + source, StringComparison.Ordinal))
            return new ObjectNotFoundException(_host.Name, Tool, "file", source, CephFailure.Message(r));
        return Error(r, dest, "pool", dest.Pool);
    }

    private async Task<CommandResult> RunAsync(string[] command, TimeSpan timeout, CancellationToken ct)
    {
        var r = await _host.RunAsync(Argv(command), null, timeout, ct).ConfigureAwait(false);
        if (r.ExitCode == 127) throw new ToolMissingException(_host.Name, Tool, "ceph-common");
        CephFailure.ThrowIfUnreachable(r, Tool);
        return r;
    }

    /// <summary>
    /// rbd's errno exit codes as typed failures: ENOENT names the missing pool, image or snapshot; EBUSY/ENOTEMPTY mean
    /// "in use".
    /// </summary>
    private Exception Error(CommandResult r, RbdImageRef? image, string? kind = null, string? name = null)
    {
        if (r.ExitCode == CephErrno.ENOENT) return CephFailure.NotFound(r, Tool, kind ?? "image",
            name ?? image?.ToString() ?? "");
        if (image is not null && r.ExitCode is CephErrno.EBUSY or CephErrno.ENOTEMPTY)
            return new RbdImageBusyException(_host.Name, image,
                CephFailure.Message(r).Replace("rbd: ", "", StringComparison.Ordinal).TrimEnd('.'));
        return CephFailure.Failed(r);
    }

    internal static string[] Spec(RbdImageRef image) =>
    [
        "--pool", Ceph.CheckName(image.Pool, "pool name"),
        .. image.Namespace is null ? Array.Empty<string>()
            : ["--namespace", Ceph.CheckName(image.Namespace, "namespace")],
        "--image", Ceph.CheckName(image.Image, "image name"),
    ];

    // import and clone name their target with --dest-*; `rbd import --pool/--image` is deprecated.
    private static string[] DestSpec(RbdImageRef image) =>
    [
        "--dest-pool", Ceph.CheckName(image.Pool, "pool name"),
        .. image.Namespace is null ? Array.Empty<string>()
            : ["--dest-namespace", Ceph.CheckName(image.Namespace, "namespace")],
        "--dest", Ceph.CheckName(image.Image, "image name"),
    ];

    private static string[] ImageOptions(RbdImageOptions? o)
    {
        if (o is null) return [];
        var argv = new List<string>();
        if (o.Features is { Count: > 0 } f)
        {
            foreach (var feature in f)
                if (feature.Length == 0 || !feature.All(c => char.IsAsciiLetterLower(c) || c == '-'))
                    throw new
                        ArgumentException($"\"{feature}\" is not an RBD feature name (e.g. layering, exclusive-lock)",
                        nameof(o));
            argv.AddRange(["--image-feature", string.Join(',', f)]);
        }
        if (o.Order is { } order)
        {
            if (order is < 12 or > 25) throw new ArgumentOutOfRangeException(nameof(o), order,
                "order must be 12..25 (4 KiB..32 MiB objects)");
            argv.AddRange(["--order", order.ToString(CultureInfo.InvariantCulture)]);
        }
        return [.. argv];
    }

    // rbd reads a bare --size as MiB; the B suffix makes it bytes, so no unit conversion can round.
    private static string Size(long bytes) =>
        bytes > 0 ? bytes.ToString(CultureInfo.InvariantCulture) + "B"
            : throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "an image size must be positive");

    public static RbdImageInfo ParseInfo(string json)
    {
        using var doc = CephJson.Parse(json, "rbd info");
        var j = doc.RootElement;
        return new RbdImageInfo(j.RequiredStr("name", "rbd info"), j.Str("id") ?? "", j.Long("size"), j.Long("objects"),
            j.Int("order"),
            j.Long("object_size"), j.Int("snapshot_count"), j.Str("block_name_prefix") ?? "", j.Int("format"),
                j.Strings("features"),
            j.Strings("op_features"), j.Strings("flags"), Parent(j.Obj("parent")));
    }

    public static RbdPoolListing ParseList(string json)
    {
        using var doc = CephJson.Parse(json, "rbd ls -l");
        var images = new List<RbdListedImage>();
        var snaps = new List<RbdListedSnapshot>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var image = e.RequiredStr("image", "rbd ls -l");
            // Snapshot rows carry "snapshot"; "protected" is the string "true"/"false".
            if (e.Str("snapshot") is { } snap)
                snaps.Add(new RbdListedSnapshot(image, snap,
                    e.TryGetProperty("snapshot_id", out _) ? e.Int("snapshot_id") : null, e.Long("size"),
                    e.Bool("protected")));
            else
                images.Add(new RbdListedImage(image, e.Str("id"), e.Long("size"), e.Int("format"),
                    Parent(e.Obj("parent")), e.Str("lock_type")));
        }
        return new RbdPoolListing(images, snaps);
    }

    public static IReadOnlyList<RbdSnapshot> ParseSnapList(string json)
    {
        using var doc = CephJson.Parse(json, "rbd snap ls");
        return doc.RootElement.EnumerateArray()
            .Select(s =>
                new RbdSnapshot(s.Int("id"), s.RequiredStr("name", "rbd snap ls"), s.Long("size"), s.Bool("protected"),
                s.Str("timestamp"))).ToList();
    }

    private static RbdParent? Parent(JsonElement p) =>
        p.ValueKind != JsonValueKind.Object
            ? null
            : new RbdParent(p.Str("pool") ?? "", p.Str("pool_namespace") is { Length: > 0 } ns ? ns : null,
                p.Str("image") ?? "", p.Str("id"),
                p.Str("snapshot") ?? "", p.TryGetProperty("overlap", out _) ? p.Long("overlap") : null);
}
