using Mvm.Cluster;
using Mvm.Tests.Unit.Tools;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>Where a draining host's VMs go, and the reasons a drain is refused.</summary>
public sealed class DrainPlannerTests
{
    private const long MiB = 1024; // in KiB

    private static VmOnHost Vm(string name, long mib, bool running = true, string placement = "auto", params string[] localDisks) =>
        new(name, Guid.NewGuid(), running, mib * MiB, placement, localDisks, null);

    [Fact]
    public void LargestVmsFirstEachOnTheHostWithTheMostRoomLeft()
    {
        var plan = DrainPlanner.Plan("h1", [Vm("small", 512), Vm("big", 4096), Vm("mid", 2048, running: false)],
            [new HostRoom("h2", 8192 * MiB), new HostRoom("h3", 6144 * MiB)]);

        Assert.True(plan.CanDrain);
        Assert.Equal([("big", "h2"), ("mid", "h3"), ("small", "h2")], plan.Moves.Select(m => (m.Vm.Name, m.Target)));
        Assert.Contains("move (shut off) VM mid (2048 MiB) from h1 to h3", plan.Describe());
        Assert.Contains("live-migrate VM big (4096 MiB) from h1 to h2", plan.Describe());
    }

    [Fact]
    public void EveryBlockerIsListedAndNothingMovesWhenOneExists()
    {
        var plan = DrainPlanner.Plan("h1", [Vm("db", 1024, placement: "pinned"), Vm("local", 256, localDisks: "vda (/var/lib/libvirt/images/x.qcow2)"),
            Vm("huge", 65536), Vm("fine", 256)], [new HostRoom("h2", 4096 * MiB)]);

        Assert.False(plan.CanDrain);
        Assert.Equal(3, plan.Blockers.Count);
        Assert.Contains(plan.Blockers, b => b.Contains("VM db is pinned to h1"));
        Assert.Contains(plan.Blockers, b => b.Contains("VM local has disks on h1's local storage (vda (/var/lib/libvirt/images/x.qcow2))"));
        Assert.Contains(plan.Blockers, b => b.Contains("VM huge needs 65536 MiB but the most any other host has left is 3584 MiB (h2"));
        var e = Assert.Throws<Mvm.Core.PreconditionFailedException>(() => HostDrain.RefuseUnlessPossible(plan, "enter maintenance"));
        Assert.StartsWith("host h1 cannot enter maintenance: its VMs cannot all move to other hosts; nothing was changed", e.Message);
    }

    [Fact]
    public void RoomIsUsedUpByTheVmsPlacedBefore()
    {
        // 3 GiB left after the reserve: two 2 GiB VMs cannot share it.
        var plan = DrainPlanner.Plan("h1", [Vm("a", 2048), Vm("b", 2048)], [new HostRoom("h2", 3584 * MiB)]);
        Assert.Equal(["a"], plan.Moves.Select(m => m.Vm.Name));
        Assert.Single(plan.Blockers, b => b.StartsWith("VM b needs 2048 MiB but the most any other host has left is 1024 MiB (h2"));
    }

    [Fact]
    public void NoHostInServiceBlocksOnlyWhenThereIsSomethingToMove()
    {
        Assert.True(DrainPlanner.Plan("h1", [], []).CanDrain);
        var plan = DrainPlanner.Plan("h1", [Vm("a", 256)], []);
        Assert.Equal(["no other host is in service to take a"], plan.Blockers);
    }

    [Fact]
    public void ReadsWhatBlocksAMoveFromRealDomainXml()
    {
        // Captured from libvirt 9.0 in the lab: file-backed disks and a seed ISO on the host.
        var running = VmOnHost.Of(DomainXml.Parse(VirshTestHost.Fixture("virsh-9.0.0-dumpxml-running.xml")));
        Assert.True(running.Running);
        Assert.Equal(393216, running.MemoryKiB);
        Assert.Equal("auto", running.Placement);
        Assert.Equal(["vda (/var/lib/mvm-virsh-test/boot.qcow2)", "sda (/var/lib/mvm-virsh-test/seed.iso)"], running.LocalDisks.Select(d => d).Take(2));
        Assert.Equal("/var/lib/libvirt/qemu/nvram/mvmtest-vm1_VARS.fd", running.Nvram);

        // Disks and seed in RBD: nothing local, so it can move.
        var rbd = VmOnHost.Of(DomainXml.Parse(VirshTestHost.Fixture("virsh-9.0.0-dumpxml-inactive-rbd.xml")));
        Assert.False(rbd.Running);
        Assert.Empty(rbd.LocalDisks);
    }

    [Fact]
    public void APinnedDomainIsRecognisedByItsMetadata()
    {
        var d = DomainXml.Parse(VirshTestHost.Fixture("virsh-9.0.0-dumpxml-inactive-rbd.xml"));
        d.SetMetadata(Mvm.Cluster.VmMetadata.Placement, "pinned");
        var vm = VmOnHost.Of(DomainXml.Parse(d.ToXml()));
        Assert.Equal("pinned", vm.Placement);
        Assert.Single(DrainPlanner.Plan("h1", [vm], [new HostRoom("h2", 1L << 30)]).Blockers, b => b.Contains("pinned to h1"));
    }
}
