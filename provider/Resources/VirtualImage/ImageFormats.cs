using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

/// <summary>
/// What a source file is, from `qemu-img info` and, for raw files, the ISO 9660 signature
/// (qemu-img reports an ISO as raw): refused when it is another format, has a backing file (it
/// could point at any file on the host), is encrypted or marked corrupt, or differs from the
/// declared `format`.
/// </summary>
public static class ImageFormats
{
    /// <summary>ISO 9660's primary volume descriptor starts at 32768 with a type byte, then "CD001".</summary>
    public const long IsoSignatureOffset = 32769;
    public static readonly byte[] IsoSignature = "CD001"u8.ToArray();

    public static ImageFormat Detect(QemuImageInfo info, ReadOnlySpan<byte> atIsoOffset, string source)
    {
        if (info.BackingFilename is { } backing)
            throw new PreconditionFailedException($"{source} is a {info.Format} image with a backing file " +
                $"({backing}); only self-contained images are imported. Flatten it first (`qemu-img convert -O qcow2 " +
                $"in.qcow2 out.qcow2`).");
        if (info.Encrypted)
            throw new PreconditionFailedException($"{source} is an encrypted {info.Format} image; decrypt it first.");
        if (info.Qcow2 is { Corrupt: true })
            throw new PreconditionFailedException($"{source} is a qcow2 image marked corrupt by QEMU; repair it " +
                $"(`qemu-img check -r all`) or fetch it again.");
        return info.Format switch
        {
            "qcow2" => ImageFormat.Qcow2,
            "raw" when atIsoOffset.SequenceEqual(IsoSignature) => ImageFormat.Iso,
            "raw" => ImageFormat.Raw,
            var other => throw new PreconditionFailedException($"{source} is a {other} image; qcow2, raw and ISO " +
                $"images are supported. Convert it first (`qemu-img convert -O qcow2 …`)."),
        };
    }

    /// <summary>The declared format must be what was found; an ISO may also be declared raw (its bytes are stored as
    /// they are either way).</summary>
    public static void CheckDeclared(ImageFormat? declared, ImageFormat detected, string source)
    {
        if (declared is not { } d || d == detected || (d == ImageFormat.Raw && detected == ImageFormat.Iso)) return;
        var found = detected == ImageFormat.Iso ? "an ISO 9660 image" : $"a {ImageMetadata.Word(detected)} image";
        throw new PreconditionFailedException($"format is {ImageMetadata.Word(d)} but {source} is {found} (qemu-img " +
            $"info); correct `format` or the source. Nothing was imported.");
    }
}
