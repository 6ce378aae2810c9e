using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.VirtualImage;

namespace Mvm.Tests.Unit.Resources;

public class VirtualImageCheckTests
{
    private readonly VirtualImage _image = new();
    private static readonly string Sha256 = "sha256:" + new string('a', 64);

    private static ObjectProperty Valid() => Obj(
        ("connectString", Secret(ConnectString)),
        ("name", "debian-12"),
        ("source", "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"),
        ("format", "qcow2"),
        ("checksum", Sha256),
        ("minimumMemoryMiB", 512));

    private IReadOnlyList<CheckFailureInfo> Check(ObjectProperty news) => Failures(_image, news, "debian");

    [Fact]
    public void ValidImagePassesWithDefaults()
    {
        var (inputs, failures) = _image.Check("debian", ObjectProperty.Empty, Valid());
        AssertNoFailures(failures);
        Assert.Equal("linux", (inputs["osType"] as StringProperty)?.Value);
        Assert.Equal("bios", (inputs["firmware"] as StringProperty)?.Value);
    }

    [Theory]
    [InlineData("/var/cache/images/debian.qcow2")]
    [InlineData("http://mirror.lab:8080/images/alpine.iso")]
    [InlineData("h3:/var/lib/images/debian.qcow2")]
    public void LocalFilesHostFilesAndHttpUrlsAreAccepted(string source) =>
        AssertNoFailures(Check(Valid().Set("source", source)));

    [Theory]
    [InlineData("images/debian.qcow2", "must be an http(s) URL or an absolute file path")]
    [InlineData("~/debian.qcow2", "~ is not expanded")]
    [InlineData("ftp://mirror/debian.qcow2", "only http:// and https:// URLs are supported")]
    [InlineData("https://mirror.example/", "names no file")]
    [InlineData("/var/cache/images/", "is a directory")]
    [InlineData("h3:images/debian.qcow2", "<host>:<absolute path>")]
    [InlineData("h3:/var/lib/images/", "is a directory")]
    public void BadSourcesFail(string source, string message) =>
        AssertOnlyFailure(Check(Valid().Set("source", source)), "source", message);

    [Fact]
    public void ChecksumsNeedAlgorithmAndDigestLength()
    {
        AssertNoFailures(Check(Valid().Set("checksum", "sha512:" + new string('F', 128))));
        AssertOnlyFailure(Check(Valid().Set("checksum", "sha256:abc")), "checksum", "a sha256 digest is 64 hex digits, got 3");
        AssertOnlyFailure(Check(Valid().Set("checksum", "sha256:" + new string('z', 64))), "checksum", "including non-hex ones");
        AssertOnlyFailure(Check(Valid().Set("checksum", "md5:0123")), "checksum", "must be \"sha256:<64 hex digits>\" or \"sha512:<128 hex digits>\"");
        AssertOnlyFailure(Check(Valid().Set("checksum", new string('a', 64))), "checksum", "prefix the digest with its algorithm, e.g. \"sha256:aaaaaaaa…\"");
    }

    [Fact]
    public void FormatAndSizesAreChecked()
    {
        AssertOnlyFailure(Check(Valid().Set("format", "vmdk")), "format", "is not one of qcow2, raw, iso");
        AssertOnlyFailure(Check(Valid().Set("minimumMemoryMiB", 0)), "minimumMemoryMiB", "must be greater than 0");
        AssertOnlyFailure(Check(Valid().Set("pool", ".mgr")), "pool", "reserved");
        AssertOnlyFailure(Check(Valid().Set("name", "debian/12")), "name", "letters, digits, '.', '_' or '-'");
    }

    [Fact]
    public void SourceIsRequired() =>
        AssertOnlyFailure(Check(Valid().Without("source")), "source", "missing required property 'source'");

    [Fact]
    public void UnknownValuesInPreviewAreNotFailures() =>
        AssertNoFailures(Check(Valid().Set("source", PropertyValue.Computed).Set("checksum", PropertyValue.Computed).Set("pool", PropertyValue.Computed)));
}
