using System.Text.Json;

namespace Mvm.Tools;

/// <summary>
/// `qemu-img info --output=json` for one image. With a backing chain requested,
/// <see cref="Backing"/> is the next image down the chain (null at the base).
/// </summary>
public sealed record QemuImageInfo(
    string Filename,
    string Format,
    long VirtualSize,
    long? ActualSize,
    int? ClusterSize,
    bool DirtyFlag,
    bool Encrypted,
    string? BackingFilename,
    string? FullBackingFilename,
    string? BackingFormat,
    Qcow2Info? Qcow2,
    QemuImageInfo? Backing)
{
    /// <summary>This image and every image below it, top first (only as deep as was asked for).</summary>
    public IEnumerable<QemuImageInfo> Chain
    {
        get
        {
            for (var i = this; i is not null; i = i.Backing) yield return i;
        }
    }

    internal static QemuImageInfo From(JsonElement e, QemuImageInfo? backing)
    {
        Qcow2Info? qcow2 = null;
        if (e.TryGetProperty("format-specific", out var fs) && Str(fs, "type") == "qcow2"
            && fs.TryGetProperty("data", out var d))
            qcow2 = new Qcow2Info(Str(d, "compat") ?? "", Bool(d, "corrupt"), Bool(d, "lazy-refcounts"),
                Str(d, "compression-type"));
        return new QemuImageInfo(
            Str(e, "filename") ?? throw new FormatException("qemu-img info without filename"),
            Str(e, "format") ?? throw new FormatException("qemu-img info without format"),
            Long(e, "virtual-size") ?? throw new FormatException("qemu-img info without virtual-size"),
            Long(e, "actual-size"),
            (int?)Long(e, "cluster-size"),
            Bool(e, "dirty-flag"),
            Bool(e, "encrypted"),
            Str(e, "backing-filename"),
            Str(e, "full-backing-filename"),
            Str(e, "backing-filename-format"),
            qcow2,
            backing);
    }

    internal static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    internal static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}

/// <summary>
/// qcow2 specifics: <see cref="Corrupt"/> is qemu's own "do not use" mark; lazy refcounts leave leaks after a crash.
/// </summary>
public sealed record Qcow2Info(string Compat, bool Corrupt, bool LazyRefcounts, string? CompressionType);

/// <summary>
/// `qemu-img check --output=json`. Counts absent from qemu's output are 0. <see cref="Supported"/>
/// is false for formats qemu cannot check (raw), which is not a failure.
/// </summary>
public sealed record QemuImageCheck(
    string Filename,
    string? Format,
    bool Supported,
    long CheckErrors,
    long Corruptions,
    long Leaks,
    long CorruptionsFixed,
    long LeaksFixed,
    long TotalClusters,
    long AllocatedClusters,
    long? ImageEndOffset)
{
    /// <summary>
    /// No errors, corruptions or leaks (an unsupported format counts as clean: there is nothing to check).
    /// </summary>
    public bool IsClean => CheckErrors == 0 && Corruptions == 0 && Leaks == 0;

    internal static QemuImageCheck From(JsonElement e)
    {
        long N(string name) => QemuImageInfo.Long(e, name) ?? 0;
        return new QemuImageCheck(
            QemuImageInfo.Str(e, "filename") ?? "", QemuImageInfo.Str(e, "format"), true,
            N("check-errors"), N("corruptions"), N("leaks"), N("corruptions-fixed"), N("leaks-fixed"),
            N("total-clusters"), N("allocated-clusters"), QemuImageInfo.Long(e, "image-end-offset"));
    }

    internal static QemuImageCheck Unsupported(string path, string? format) =>
        new(path, format, false, 0, 0, 0, 0, 0, 0, 0, null);
}

/// <summary>What `qemu-img convert` writes. Only <see cref="OutputFormat"/> is required.</summary>
public sealed record QemuConvertOptions(string OutputFormat)
{
    /// <summary>
    /// The source format; null lets qemu probe it (safe for images the provider made, not for user uploads).
    /// </summary>
    public string? SourceFormat { get; init; }
    /// <summary>`-c`: compress the target (qcow2 only).</summary>
    public bool Compress { get; init; }
    /// <summary>
    /// `-n`: write into an existing target (e.g. an RBD image created beforehand) instead of creating it.
    /// </summary>
    public bool SkipTargetCreation { get; init; }
    /// <summary>`-W`: out-of-order writes; faster on network storage such as RBD.</summary>
    public bool OutOfOrderWrites { get; init; }
    /// <summary>`-o key=value,…`: target format options (cluster_size, compat, preallocation …).</summary>
    public IReadOnlyDictionary<string, string>? TargetOptions { get; init; }
    /// <summary>Replace an existing local target file instead of refusing.</summary>
    public bool Overwrite { get; init; }
}
