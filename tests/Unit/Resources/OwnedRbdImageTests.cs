using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources;

/// <summary>
/// Issue 12, defect 2: what a create does when an RBD image is already under the name it makes,
/// over `rbd image-meta list` runs captured on the lab (rbd 16.2.15): its own image (a create cut
/// short) is carried on, an image without the mark only when the resource's state names it, any
/// other is refused by name; a new image is made and marked in one round trip.
/// </summary>
public class OwnedRbdImageTests
{
    // The URN the captured image carries (the kill lab test's base image).
    private const string Owner = "urn:pulumi:lab::mvm-kill::mvm:index:VirtualImage::base";
    private static readonly RbdImageRef Image = new("vms", "kbase");

    private static Task<bool> EnsureAsync(Tools.CephClients.ScriptedHost host, string urn, bool stateNamesIt)
    {
        var rbd = new Rbd(host);
        return OwnedRbdImage.EnsureAsync(rbd, Image, urn, stateNamesIt, rbd.CreateCall(Image, 1L << 30, null), CancellationToken.None);
    }

    [Fact]
    public async Task AnAbsentImageIsMadeAndMarkedInTheSameRoundTrip()
    {
        var host = Replies(Captured("rbd-16.2.15-image-meta-list-missing-image"), Reply(0), Captured("rbd-16.2.15-image-meta-set"));
        Assert.True(await EnsureAsync(host, Owner, stateNamesIt: false));
        Assert.Equal(2, host.RoundTrips);
        var made = host.Calls.Skip(2).ToList(); // after the lookup and the script carrying the batch
        Assert.Equal("create", made[0][3]);
        Assert.Equal(["image-meta", "set", "--pool", "vms", "--image", "kbase", "mvm.owner", Owner], made[1][3..]);
    }

    [Fact]
    public async Task ItsOwnImageIsCarriedOnUntouched()
    {
        var host = Replies(Captured("rbd-16.2.15-image-meta-list-owned"));
        Assert.False(await EnsureAsync(host, Owner, stateNamesIt: false));
        Assert.Equal(1, host.RoundTrips);
    }

    [Fact]
    public async Task AnotherResourcesImageIsRefusedNamingTheOwner()
    {
        var other = Owner.Replace("::base", "::other", StringComparison.Ordinal);
        var host = Replies(Captured("rbd-16.2.15-image-meta-list-owned"));
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => EnsureAsync(host, other, stateNamesIt: true));
        Assert.Contains("vms/kbase", e.Message);
        Assert.Contains(Owner, e.Message);
        Assert.Equal(1, host.RoundTrips); // nothing was changed
    }

    [Fact]
    public async Task AnUnmarkedImageIsRefusedUnlessStateNamesIt()
    {
        var refused = Replies(Captured("rbd-16.2.15-image-meta-list"));
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => EnsureAsync(refused, Owner, stateNamesIt: false));
        Assert.Contains("no owner mark", e.Message);

        var named = Replies(Captured("rbd-16.2.15-image-meta-list"), Captured("rbd-16.2.15-image-meta-set"));
        Assert.False(await EnsureAsync(named, Owner, stateNamesIt: true));
        Assert.Contains(named.Calls, c => c.Contains("mvm.owner") && c.Contains(Owner) && c.Contains("set"));
    }
}
