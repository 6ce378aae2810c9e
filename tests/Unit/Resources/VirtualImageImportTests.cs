
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Resources.Shared;
using Mvm.Resources.VirtualImage;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources;

/// <summary>VirtualImage's import decisions: format detection over qemu-img 7.2 output captured on h3, sources, metadata round trip, ids.</summary>
public class VirtualImageImportTests
{
    private static QemuImageInfo Info(string name) =>
        QemuImg.ParseInfo(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "QemuImg", name)));

    private static readonly byte[] Cd001 = "CD001"u8.ToArray();

    [Fact]
    public void DetectsQcow2RawAndIso()
    {
        Assert.Equal(ImageFormat.Qcow2, ImageFormats.Detect(Info("qemu-img-7.2-info-qcow2.json"), [], "s"));
        Assert.Equal(ImageFormat.Raw, ImageFormats.Detect(Info("qemu-img-7.2-info-raw.json"), [0, 0, 0, 0, 0], "s"));
        // qemu-img calls an ISO raw; the volume descriptor's signature tells them apart.
        var iso = Info("qemu-img-7.2-info-iso.json");
        Assert.Equal("raw", iso.Format);
        Assert.Equal(ImageFormat.Iso, ImageFormats.Detect(iso, Cd001, "s"));
    }

    [Fact]
    public void RefusesBackingFilesAndOtherFormats()
    {
        var backing = Assert.Throws<PreconditionFailedException>(() => ImageFormats.Detect(Info("qemu-img-7.2-info-backing-chain.json"), [], "h3:/x.qcow2"));
        Assert.Contains("backing file", backing.Message);
        var vmdk = Assert.Throws<PreconditionFailedException>(() => ImageFormats.Detect(Info("qemu-img-7.2-info-vmdk.json"), [], "/x.vmdk"));
        Assert.Contains("/x.vmdk is a vmdk image", vmdk.Message);
    }

    [Fact]
    public void DeclaredFormatMustMatch()
    {
        ImageFormats.CheckDeclared(null, ImageFormat.Qcow2, "s");
        ImageFormats.CheckDeclared(ImageFormat.Raw, ImageFormat.Iso, "s");
        var e = Assert.Throws<PreconditionFailedException>(() => ImageFormats.CheckDeclared(ImageFormat.Raw, ImageFormat.Qcow2, "http://m/d.img"));
        Assert.Contains("format is raw but http://m/d.img is a qcow2 image", e.Message);
        e = Assert.Throws<PreconditionFailedException>(() => ImageFormats.CheckDeclared(ImageFormat.Iso, ImageFormat.Raw, "s"));
        Assert.Contains("is a raw image", e.Message);
    }

    [Theory]
    [InlineData("https://m.example/d.qcow2?t=1", ImageOriginKind.Url, "", null, "https://m.example/d.qcow2")]
    [InlineData("/srv/images/d.qcow2", ImageOriginKind.LocalFile, "/srv/images/d.qcow2", null, "/srv/images/d.qcow2")]
    [InlineData("h3:/var/lib/images/d.raw", ImageOriginKind.HostFile, "/var/lib/images/d.raw", "h3", "h3:/var/lib/images/d.raw")]
    public void ParsesTheThreeSources(string source, ImageOriginKind kind, string path, string? host, string shown)
    {
        var o = ImageSource.Parse(source);
        Assert.Equal((kind, path, host, shown), (o.Kind, o.Path, o.Host, o.ToString()));
    }

    [Fact]
    public void MetadataReproducesTheDeclaredInputs()
    {
        var args = new VirtualImageArgs
        {
            Name = "deb", Source = "/x/deb.qcow2", Checksum = "sha256:" + new string('A', 64), MinimumMemoryMiB = 512,
            OsType = OsType.Linux, Firmware = Firmware.Uefi, VirtioDrivers = true,
        };
        var meta = ImageMetadata.Describe(args, ImageFormat.Qcow2, "urn:pulumi:dev::p::mvm:index:VirtualImage::deb");
        Assert.Equal("urn:pulumi:dev::p::mvm:index:VirtualImage::deb", meta[Ownership.RbdKey]);
        Assert.False(meta.ContainsKey(ImageMetadata.Format)); // not declared: an import must not declare it either
        var full = meta.ToDictionary(kv => kv.Key, kv => kv.Value!);
        full[ImageMetadata.Sha256] = new string('b', 64);
        var image = new RbdImageRef("vms", "deb");
        var info = Rbd.ParseInfo(Tools.CephClients.CapturedRun.StdoutOf("rbd-16.2.15-info"));
        var state = ImageMetadata.ToState(image, "c", full, info, new RbdDiskUsage(info.SizeBytes, 42), [new RbdSnapshot(4, "base", 1, true, null)]);
        Assert.Equal((args.Source, args.Checksum, (ImageFormat?)null, 512, Firmware.Uefi, true), (state.Source, state.Checksum, state.Format, state.MinimumMemoryMiB, state.Firmware, state.VirtioDrivers));
        Assert.Equal(("vms/deb@base", ImageFormat.Qcow2, "sha256:" + new string('b', 64), 42L), (state.ImageSpec, state.DetectedFormat, state.SourceSha256, state.SizeBytes));
        // An unprotected snapshot cannot carry clones: no spec.
        Assert.Null(ImageMetadata.ToState(image, "c", full, info, new RbdDiskUsage(1, 1), [new RbdSnapshot(4, "base", 1, false, null)]).ImageSpec);
    }

    [Fact]
    public void IdsArePoolSlashImageOrTheImageInTheVmPool()
    {
        Assert.Equal(new RbdImageRef("imgs", "deb"), VirtualImage.ParseId("imgs/deb", "vms"));
        Assert.Equal(new RbdImageRef("vms", "deb"), VirtualImage.ParseId("deb", "vms"));
        Assert.Throws<PreconditionFailedException>(() => VirtualImage.ParseId("a/b/c", "vms"));
        Assert.Throws<PreconditionFailedException>(() => VirtualImage.ParseId("a/-x y", "vms"));
    }

    [Fact]
    public void DigestsParseFromSha256sum()
    {
        Assert.Equal(new string('a', 64), HostFiles.ParseDigest(new string('A', 64) + " */var/tmp/x\n", "sha256"));
        Assert.Throws<FormatException>(() => HostFiles.ParseDigest("sha256sum: /x: No such file or directory", "sha256"));
    }

    [Fact]
    public void ProgressLinesSayHowMuchOfWhat() =>
        Assert.Equal("deb: uploaded: 512 MiB of 2.0 GiB (25 %), 256 MiB/s",
            CopyProgress.Describe("deb: uploaded", 512L << 20, 2L << 30, TimeSpan.FromSeconds(2)));
}
