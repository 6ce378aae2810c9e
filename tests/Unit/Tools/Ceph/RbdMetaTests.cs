using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>`rbd image-meta` and `rbd du` over output captured from rbd 16.2.15 on h3.</summary>
public class RbdMetaTests
{
    private const string V = "rbd-16.2.15-";
    private static readonly RbdImageRef Img1 = new("vitest-fix", "img1");

    [Fact]
    public void ParsesMetadataAndTheNothingPrintedForNone()
    {
        var meta = Rbd.ParseImageMeta(CapturedRun.StdoutOf(V + "image-meta-list"));
        Assert.Equal("abc", meta["mvm.sha256"]);
        Assert.Equal("http://x/y z", meta["mvm.source"]);
        Assert.Empty(Rbd.ParseImageMeta(CapturedRun.StdoutOf(V + "image-meta-list-empty")));
    }

    [Fact]
    public void DiskUsageAddsSnapshotsToTheHead()
    {
        // After the snapshot the head has written nothing: the image's bytes are all in base.
        var du = Rbd.ParseDiskUsage(CapturedRun.StdoutOf(V + "du"), "img1");
        Assert.Equal(new RbdDiskUsage(67108864, 8388608), du);
    }

    [Fact]
    public async Task MissingImageIsNotFound()
    {
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => new Rbd(Always(V + "image-meta-list-missing-image")).ImageMetaListAsync(Img1, default));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => new Rbd(Always(V + "du-missing-image")).DiskUsageAsync(Img1, default));
    }

    [Fact]
    public async Task SetsAndRemovesInOneRoundTripToleratingAnAbsentKey()
    {
        var host = Replies(Captured(V + "image-meta-remove-missing-key"), Captured(V + "image-meta-set"));
        await new Rbd(host).ImageMetaSetAsync(Img1, new Dictionary<string, string?> { ["mvm.os-type"] = "linux", ["mvm.minimum-memory-mib"] = null }, default);
        Assert.Equal(1, host.RoundTrips);
        var calls = host.Calls.Skip(1).ToList();
        Assert.Equal(["rbd", "--client-mount-timeout", "30", "image-meta", "remove", "--pool", "vitest-fix", "--image", "img1", "mvm.minimum-memory-mib"], calls[0]);
        Assert.Equal(["rbd", "--client-mount-timeout", "30", "image-meta", "set", "--pool", "vitest-fix", "--image", "img1", "mvm.os-type", "linux"], calls[1]);
    }

    [Fact]
    public async Task RemovingFromAMissingImageFailsAndBadKeysNeverLeave()
    {
        var host = Replies(Captured(V + "image-meta-remove-missing-image"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => new Rbd(host).ImageMetaSetAsync(Img1, new Dictionary<string, string?> { ["mvm.x"] = null }, default));
        await Assert.ThrowsAsync<ArgumentException>(() => new Rbd(Replies()).ImageMetaSetAsync(Img1, new Dictionary<string, string?> { ["--pool"] = "x" }, default));
    }
}
