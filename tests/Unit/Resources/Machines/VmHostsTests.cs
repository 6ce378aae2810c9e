using Mvm.Resources.Machines;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// Where VmHosts looks for a VM and what it reads to get there, on three simulated cluster hosts
/// answering with captured Ceph 16.2.15 and libvirt 9.0 output: a VM that stayed on its host is
/// found there without a Ceph probe or registry read (the refresh of every VM in a stack), one
/// that moved is still found through the registry, and a VM operation reads the registry once.
/// </summary>
public sealed class VmHostsTests
{
    private readonly SimulatedVmCluster _c = new();

    [Fact]
    public async Task AVmOnItsLastHostIsFoundThereWithoutAskingCeph()
    {
        var found = await VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h1", _c.Ctx());

        Assert.NotNull(found);
        Assert.Equal("h1", found.Member.Name);
        Assert.Equal("mvmtest-vm1", found.Xml.Name);
        Assert.Equal(0, _c.CephCalls);
        Assert.Equal(1, _c.Looks("h1"));
        Assert.Empty(_c.Hosts["h2"].Lines);
        Assert.Empty(_c.Hosts["h3"].Lines);
    }

    [Fact]
    public async Task AVmThatMovedIsFoundThroughTheRegistryAndItsOldHostIsAskedOnce()
    {
        _c.VmOn = "h3";

        var found = await VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h1", _c.Ctx());

        Assert.NotNull(found);
        Assert.Equal("h3", found.Member.Name);
        Assert.Equal(1, _c.RegistryReads);
        Assert.Equal(1, _c.Looks("h1"));
        Assert.Equal(1, _c.Looks("h2"));
    }

    [Fact]
    public async Task AVmNowhereIsLookedForOnEveryMemberOnce()
    {
        _c.VmOn = "none";

        var found = await VmHosts.FindAsync(_c.Connection(), "vm-new", "h2", _c.Ctx());

        Assert.Null(found);
        Assert.All(SimulatedVmCluster.Names, n => Assert.Equal(1, _c.Looks(n)));
    }

    [Fact]
    public async Task PlacementThenTheNameCheckReadTheRegistryOnce()
    {
        _c.VmOn = "none";
        var conn = _c.Connection();
        var ctx = _c.Ctx();

        var (member, _) = await VmHosts.ChooseAsync(conn, "h2", 256 * 1024, ctx);
        var existing = await VmHosts.FindAsync(conn, "vm-new", member.Name, ctx);

        Assert.Equal("h2", member.Name);
        Assert.Null(existing);
        Assert.Equal(1, _c.RegistryReads);
        Assert.All(SimulatedVmCluster.Names, n => Assert.Equal(1, _c.Looks(n)));
    }
}
