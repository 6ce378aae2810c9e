using Mvm.Cluster;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

public class RemovalPlanTests
{
    [Fact]
    public void AWholeHostIsItsOsdsOneByOneThenItsMonitorThenItsBucket()
    {
        var plan = RemovalPlan.Describe(new RemovalRequest([1, 2], "h2", "h2"), new Dictionary<int, OsdPlacement>
        {
            [1] = new("h2", "/dev/vdb"),
            [2] = new("h2", "/dev/vdc", WipeDevice: true),
        });
        Assert.Equal(
        [
            RemovalPlan.Preflight,
            "osd.1 (h2 /dev/vdb): out → wait for PGs active+clean → safe-to-destroy → ok-to-stop → stop and disable ceph-osd@1 → purge → remove /var/lib/ceph/osd/ceph-1",
            "osd.2 (h2 /dev/vdc): out → wait for PGs active+clean → safe-to-destroy → ok-to-stop → stop and disable ceph-osd@2 → purge → remove /var/lib/ceph/osd/ceph-2 → wipe /dev/vdc",
            "mon h2: ceph mon remove h2 (read back gone), then stop and disable ceph-mon@h2 and ceph-mgr@h2, ceph mgr fail h2, delete mgr.h2's key, remove their data directories",
            "crush: remove host h2",
        ], plan);
    }

    [Fact]
    public void AnInterruptedRemovalPreviewsTheShorterPathFromWhereItStopped()
    {
        // Captured: osd.1 out and down (stopped, not purged); osd.7 is in no map (purged already).
        var tree = Ceph.ParseOsdTree(CapturedRun.StdoutOf("ceph-16.2.15-osd-tree-one-out-down"));
        Assert.Equal(
        [
            RemovalPlan.Preflight,
            "osd.1: already out → wait for PGs active+clean → safe-to-destroy → stop and disable ceph-osd@1 → purge → remove /var/lib/ceph/osd/ceph-1",
            "osd.7: already purged → stop and disable ceph-osd@7 → remove /var/lib/ceph/osd/ceph-7",
        ], RemovalPlan.Describe(RemovalRequest.Disks(1, 7), null, tree));
    }
}
