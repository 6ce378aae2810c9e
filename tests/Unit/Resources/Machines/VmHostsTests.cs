using Mvm.Cluster;
using Mvm.Core;
using Mvm.Resources.VirtualMachine;

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

    // Issue 12, defect 1: refresh with sshd stopped on the VM's host dropped the VM from state.

    [Fact]
    public async Task AVmWhoseHostIsUnreachableIsNeitherFoundNorReportedGone()
    {
        _c.VmOn = "h3";
        _c.Down.Add("h3");

        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h3", _c.Ctx()));

        Assert.Contains($"VM {SimulatedVmCluster.VmUuid} is on none of the hosts that answered (h1, h2)", e.Message);
        Assert.Contains("h3 could not be asked (h3: cannot reach SSH on 10.20.0.13:22", e.Message);
        Assert.Contains("not reported gone", e.Message);
        // The others were asked once each: the VM was looked for everywhere it could be.
        Assert.Equal(1, _c.Looks("h1"));
        Assert.Equal(1, _c.Looks("h2"));
    }

    [Fact]
    public async Task AVmThatLeftItsUnreachableHostIsFoundWhereItIsNow()
    {
        _c.VmOn = "h2";
        _c.Down.Add("h1");

        var found = await VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h1", _c.Ctx());

        Assert.NotNull(found);
        Assert.Equal("h2", found.Member.Name);
    }

    [Fact]
    public async Task AVmIsGoneOnlyWhenEveryMemberAnswered()
    {
        _c.VmOn = "none";

        Assert.Null(await VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h3", _c.Ctx()));

        _c.Down.Add("h2");
        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h3", _c.Ctx()));
        Assert.Contains("h2 could not be asked", e.Message);
    }

    [Fact]
    public async Task AVirshErrorIsNotTakenForAnAbsence()
    {
        _c.VmOn = "h2";
        _c.LibvirtDown.Add("h2");

        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => VmHosts.FindAsync(_c.Connection(), SimulatedVmCluster.VmUuid, "h2", _c.Ctx()));

        Assert.Contains("h2 could not be asked (h2: ", e.Message);
        Assert.Contains("failed to connect to the hypervisor", e.Message);
    }

    [Fact]
    public async Task RefreshOfAVmOnAnUnreachableHostFailsNamingItAndKeepsTheState()
    {
        _c.VmOn = "h3";
        _c.Down.Add("h3");
        var state = new VirtualMachineState { ConnectString = ConnectString.Encode(_c.Connection().Info), Name = "mvmtest-vm1", CurrentHost = "h3", State = "running" };

        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => TypedCrud.ReadAsync(SimulatedVmCluster.VmUuid, state, _c.Ctx()));

        Assert.Contains("h3 could not be asked", e.Message);
        Assert.Equal(("h3", "running"), (state.CurrentHost, state.State));
    }

    [Fact]
    public async Task DeleteOfAVmOnAnUnreachableHostFailsBeforeTouchingItsDisks()
    {
        _c.VmOn = "h3";
        _c.Down.Add("h3");
        var state = new VirtualMachineState
        {
            ConnectString = ConnectString.Encode(_c.Connection().Info), Name = "mvmtest-vm1", CurrentHost = "h3",
            AttachedDisks = [new VmDiskState { Name = "boot", RbdImage = "vms/mvmtest-vm1-boot" }],
        };

        var e = await Assert.ThrowsAnyAsync<ProviderException>(() => TypedCrud.DeleteAsync(SimulatedVmCluster.VmUuid, state, _c.Ctx()));

        Assert.Contains("h3 could not be asked", e.Message);
        Assert.All(_c.Hosts.Values, h => Assert.DoesNotContain(h.Lines, l => l.StartsWith("rbd ", StringComparison.Ordinal) || l.Contains(" undefine", StringComparison.Ordinal)));
    }
}
