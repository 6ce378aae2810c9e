using System.Text;
using Mvm.Tests.Unit.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>QemuImg argv, JSON parsing, progress and error mapping, over output captured from qemu-img 7.2 on a lab host (Fixtures/QemuImg).</summary>
public class QemuImgTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "QemuImg", name));

    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);

    private static CommandResult Result(string[] argv, int exit, string stdout, string stderr = "") =>
        new("h1", argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void ReadsABackingChainTopFirst()
    {
        var overlay = QemuImg.ParseInfo(Fixture("qemu-img-7.2-info-backing-chain.json"));
        Assert.Equal(("/root/capq/overlay.qcow2", "qcow2", 134217728L, 200704L, 65536), (overlay.Filename, overlay.Format, overlay.VirtualSize, overlay.ActualSize, overlay.ClusterSize));
        Assert.Equal(("base.qcow2", "/root/capq/base.qcow2", "qcow2"), (overlay.BackingFilename, overlay.FullBackingFilename, overlay.BackingFormat));
        Assert.Equal(new Qcow2Info("1.1", false, false, "zlib"), overlay.Qcow2);
        var baseImage = overlay.Backing!;
        Assert.Equal(("/root/capq/base.qcow2", 67108864L, null), (baseImage.Filename, baseImage.VirtualSize, baseImage.BackingFilename));
        Assert.Null(baseImage.Backing);
        Assert.Equal(["/root/capq/overlay.qcow2", "/root/capq/base.qcow2"], overlay.Chain.Select(i => i.Filename));
    }

    [Fact]
    public void ReadsRawAndDirtyImages()
    {
        var raw = QemuImg.ParseInfo(Fixture("qemu-img-7.2-info-raw.json"));
        Assert.Equal(("raw", 134217728L, null, null), (raw.Format, raw.VirtualSize, raw.ClusterSize, raw.Qcow2));
        var dirty = QemuImg.ParseInfo(Fixture("qemu-img-7.2-info-dirty.json"));
        Assert.True(dirty.DirtyFlag);
        Assert.True(dirty.Qcow2!.LazyRefcounts);
        Assert.Null(QemuImg.ParseInfo(Fixture("qemu-img-7.2-info-qcow2.json")).Backing);
    }

    [Fact]
    public void CheckResultsAreDataForCleanCorruptAndUncheckableImages()
    {
        var argv = QemuImg.CheckArgv("/root/capq/base.qcow2", null);
        var clean = QemuImg.FromCheck(Result(argv, 0, Fixture("qemu-img-7.2-check-clean.json")), "/root/capq/base.qcow2", null);
        Assert.True(clean.IsClean && clean.Supported);
        Assert.Equal((1024L, 64L, 4521984L), (clean.TotalClusters, clean.AllocatedClusters, clean.ImageEndOffset));

        // Exit 2 (corruptions) still prints the JSON report: a result, not an exception.
        var corrupt = QemuImg.FromCheck(Result(argv, 2, Fixture("qemu-img-7.2-check-corrupt.json"), Fixture("qemu-img-7.2-check-corrupt.stderr")), "/x", null);
        Assert.Equal((32L, 0L, false), (corrupt.Corruptions, corrupt.Leaks, corrupt.IsClean));

        var raw = QemuImg.FromCheck(Result(argv, 63, "", Fixture("qemu-img-7.2-check-raw.stderr")), "/root/capq/flat.raw", "raw");
        Assert.False(raw.Supported);
        Assert.True(raw.IsClean);
    }

    [Fact]
    public void ParsesConvertProgress()
    {
        Assert.Equal(100, QemuImg.ParseProgress(Fixture("qemu-img-7.2-convert-progress.out")));
        // A tail read while the copy runs: the last complete figure counts.
        Assert.Equal(50, QemuImg.ParseProgress("    (0.00/100%)\r    (50.00/100%)\r    (51."));
        Assert.Equal(0, QemuImg.ParseProgress(Fixture("qemu-img-7.2-convert-not-found.out")));
        Assert.Null(QemuImg.ParseProgress(""));
    }

    [Fact]
    public void BuildsArgvWithPathsAfterDoubleDash()
    {
        Assert.Equal(["qemu-img", "info", "--output=json", "-f", "qcow2", "-U", "--backing-chain", "--", "/var/lib/mvm/a.qcow2"],
            QemuImg.InfoArgv("/var/lib/mvm/a.qcow2", "qcow2", backingChain: true, forceShare: true));
        Assert.Equal(["qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=65536,compat=1.1", "--", "/i/base.qcow2", "1073741824"],
            QemuImg.CreateArgv("/i/base.qcow2", "qcow2", 1L << 30, null, null, new Dictionary<string, string> { ["cluster_size"] = "65536", ["compat"] = "1.1" }));
        Assert.Equal(["qemu-img", "create", "-q", "-f", "qcow2", "-b", "/i/base.qcow2", "-F", "qcow2", "--", "/i/vm.qcow2"],
            QemuImg.CreateArgv("/i/vm.qcow2", "qcow2", null, "/i/base.qcow2", "qcow2", null));
        Assert.Equal(["qemu-img", "convert", "-p", "-f", "qcow2", "-O", "raw", "-n", "-W", "--", "/i/vm.qcow2", "rbd:mvm/vm-disk0"],
            QemuImg.ConvertArgv("/i/vm.qcow2", "rbd:mvm/vm-disk0", new QemuConvertOptions("raw") { SourceFormat = "qcow2", SkipTargetCreation = true, OutOfOrderWrites = true }, withProgress: true));
        Assert.Equal(["qemu-img", "resize", "-q", "-f", "qcow2", "--shrink", "--", "/i/vm.qcow2", "2147483648"],
            QemuImg.ResizeArgv("/i/vm.qcow2", 2L << 30, "qcow2", allowShrink: true));
        Assert.Equal(["qemu-img", "check", "--output=json", "--", "/i/vm.qcow2"], QemuImg.CheckArgv("/i/vm.qcow2", null));
    }

    [Fact]
    public void EscapesCommasInOptionValues() =>
        Assert.Equal("a=x,,y,b=1", QemuImg.Options(new Dictionary<string, string> { ["a"] = "x,y", ["b"] = "1" }));

    [Theory]
    [InlineData("relative.qcow2")]
    [InlineData("-f")]
    [InlineData("file:/etc/shadow")]
    [InlineData("json:{}")]
    [InlineData("rbd:")]
    [InlineData("")]
    public void RefusesPathsQemuCouldReadAsSomethingElse(string path) => Assert.Throws<ArgumentException>(() => QemuImg.ValidPath(path));

    [Fact]
    public void RefusesImpossibleCreates()
    {
        Assert.Throws<ArgumentException>(() => QemuImg.CreateArgv("/i/a.qcow2", "qcow2", null, null, null, null));
        Assert.Throws<ArgumentException>(() => QemuImg.CreateArgv("/i/a.qcow2", "qcow2", null, "/i/b.qcow2", null, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => QemuImg.CreateArgv("/i/a.qcow2", "qcow2", 0, null, null, null));
    }

    [Fact]
    public async Task AMissingImageIsObjectNotFound()
    {
        var host = new CannedHost(1, "", Fixture("qemu-img-7.2-info-not-found.stderr"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => new QemuImg(host).InfoAsync("/root/capq/nope.qcow2", T, default));
        Assert.Equal(("image", "/root/capq/nope.qcow2", "qemu-img"), (e.Kind, e.Name, e.Tool));

        e = Assert.Throws<ObjectNotFoundException>(() => QemuImg.Check(Result([], 1, Fixture("qemu-img-7.2-convert-not-found.out"), Fixture("qemu-img-7.2-convert-not-found.stderr")), "/root/capq/nope.qcow2", null));
        Assert.Equal(("image", "/root/capq/nope.qcow2"), (e.Kind, e.Name));
    }

    [Fact]
    public void AMissingBackingFileOrDirectoryIsNamedAsSuch()
    {
        var e = Assert.Throws<ObjectNotFoundException>(() => QemuImg.Check(Result([], 1, "", Fixture("qemu-img-7.2-create-backing-not-found.stderr")), "/root/capq/o2.qcow2", "/root/capq/nope.qcow2"));
        Assert.Equal(("backing image", "/root/capq/nope.qcow2"), (e.Kind, e.Name));
        e = Assert.Throws<ObjectNotFoundException>(() => QemuImg.Check(Result([], 1, "", Fixture("qemu-img-7.2-create-no-dir.stderr")), "/root/nodir/x.qcow2", null));
        Assert.Equal(("directory", "/root/nodir"), (e.Kind, e.Name));
    }

    [Fact]
    public void OtherFailuresCarryQemusMessage()
    {
        var e = Assert.Throws<RemoteCommandFailedException>(() => QemuImg.Check(Result(["qemu-img", "resize"], 1, "", Fixture("qemu-img-7.2-resize-shrink.stderr")), "/x", null));
        Assert.Contains("Use the --shrink option", e.Message);
        e = Assert.Throws<RemoteCommandFailedException>(() => QemuImg.Check(Result(["qemu-img", "info"], 1, "", Fixture("qemu-img-7.2-info-wrong-format.stderr")), "/x", null));
        Assert.Contains("Image is not in qcow2 format", e.Message);
        Assert.Throws<ToolMissingException>(() => QemuImg.Check(Result(["qemu-img"], 127, ""), "/x", null));
    }
}
