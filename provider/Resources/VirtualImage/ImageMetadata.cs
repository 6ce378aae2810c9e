using System.Globalization;
using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

/// <summary>
/// What the provider records on the RBD image itself (`rbd image-meta`, keys `mvm.*`): the
/// declared inputs and what the import found. Refresh and import read the image, not the state,
/// so a hand-made change shows as drift and an import reproduces the program with no diff.
/// <see cref="Sha256"/> is written last: an image without it never finished importing.
/// </summary>
public static class ImageMetadata
{
    public const string Source = "mvm.source";
    public const string Sha256 = "mvm.sha256";
    public const string Checksum = "mvm.checksum";
    public const string Format = "mvm.format";
    public const string DetectedFormat = "mvm.detected-format";
    public const string OsType = "mvm.os-type";
    public const string Firmware = "mvm.firmware";
    public const string VirtioDrivers = "mvm.virtio-drivers";
    public const string MinimumMemoryMiB = "mvm.minimum-memory-mib";

    /// <summary>The snapshot VM disks are cloned from.</summary>
    public const string Snapshot = "base";

    /// <summary>Everything but <see cref="Sha256"/>, which completes the import.</summary>
    public static Dictionary<string, string?> Describe(VirtualImageArgs args, ImageFormat detected, string owner)
    {
        var meta = GuestSettings(args);
        meta[Ownership.RbdKey] = owner;
        meta[Source] = args.Source!;
        meta[DetectedFormat] = Word(detected);
        if (args.Format is { } f) meta[Format] = Word(f);
        if (args.Checksum is { } c) meta[Checksum] = c;
        // A new image has nothing to remove.
        foreach (var absent in meta.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) meta.Remove(absent);
        return meta;
    }

    /// <summary>The settings an update may change in place.</summary>
    public static Dictionary<string, string?> GuestSettings(VirtualImageArgs args)
    {
        var meta = new Dictionary<string, string?>
        {
            [OsType] = Word(args.OsType ?? Shared.OsType.Linux),
            [Firmware] = Word(args.Firmware ?? Tools.Firmware.Bios),
            [VirtioDrivers] = (args.VirtioDrivers ?? true) ? "true" : "false",
        };
        // Null removes a minimum that is no longer declared.
        meta[MinimumMemoryMiB] = args.MinimumMemoryMiB?.ToString(CultureInfo.InvariantCulture);
        return meta;
    }

    /// <summary>The image as the cluster has it. A snapshot that is missing or unprotected leaves <see
    /// cref="VirtualImageState.ImageSpec"/> empty.</summary>
    public static VirtualImageState ToState(RbdImageRef image, string? connectString,
        IReadOnlyDictionary<string, string> meta,
        RbdImageInfo info, RbdDiskUsage usage, IReadOnlyList<RbdSnapshot> snapshots) => new()
        {
            ConnectString = connectString,
            Name = image.Image,
            Pool = image.Pool,
            Source = meta.GetValueOrDefault(Source),
            Format = Parse<ImageFormat>(meta.GetValueOrDefault(Format)),
            Checksum = meta.GetValueOrDefault(Checksum),
            MinimumMemoryMiB = int.TryParse(meta.GetValueOrDefault(MinimumMemoryMiB), NumberStyles.None,
                CultureInfo.InvariantCulture, out var m) ? m : null,
            OsType = Parse<Shared.OsType>(meta.GetValueOrDefault(OsType)),
            Firmware = Parse<Firmware>(meta.GetValueOrDefault(Firmware)),
            VirtioDrivers = meta.GetValueOrDefault(VirtioDrivers) switch { "true" => true, "false" => false, _ =>
                null },
            SizeBytes = usage.UsedBytes,
            VirtualSizeBytes = info.SizeBytes,
            ImageSpec = snapshots.Any(s => s.Name == Snapshot && s.Protected) ? $"{image}@{Snapshot}" : null,
            DetectedFormat = Parse<ImageFormat>(meta.GetValueOrDefault(DetectedFormat)),
            SourceSha256 = meta.GetValueOrDefault(Sha256) is { } sha ? "sha256:" + sha : null,
        };

    public static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static T? Parse<T>(string? word) where T : struct, Enum =>
        word is not null && Enum.TryParse<T>(word, ignoreCase: true, out var v) && Word(v) == word ? v : null;
}
