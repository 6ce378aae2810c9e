using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>The `ceph-volume` client over real 16.2.15 output captured on a lab host whose data disks are loop devices.</summary>
public class CephVolumeTests
{
    private const string V = "ceph-volume-16.2.15-";
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Fsid = "8061f588-4e8c-45ca-93c1-6b8465267382";

    [Fact]
    public void ReadsRawListKeyedByOsdUuid()
    {
        var all = CephVolume.ParseRawList(CapturedRun.StdoutOf(V + "raw-list"));
        Assert.Equal([
            new RawOsd(0, "023e86ff-1b33-480e-b80d-6a0ef3ffe9ea", Fsid, "/dev/loop4", "bluestore", null, null),
            new RawOsd(1, "b4f1966b-b8c2-44c9-9042-3a44e6703295", Fsid, "/dev/loop5", "bluestore", null, null),
        ], all);
        Assert.Equal("osd.1", all[1].Name);
        Assert.Empty(CephVolume.ParseRawList(CapturedRun.StdoutOf(V + "lvm-list-no-lvm")));
    }

    [Fact]
    public async Task ResolvesSymlinksBeforeAskingCephVolumeAboutADevice()
    {
        // ceph-volume 16.2.15 looks the device up by kernel name and crashes on the /dev/vdb symlink.
        var crash = CapturedRun.Load(V + "raw-list-symlink");
        Assert.Equal((1, "-->  IndexError: list index out of range"), (crash.Exit, crash.Stderr.Trim()));

        var host = Replies(Reply(0, "/dev/loop5\n"), Captured(V + "raw-list-device"));
        var osds = await new CephVolume(host).RawListAsync("/dev/vdc", None);
        Assert.Equal([["readlink", "-e", "--", "/dev/vdc"], ["ceph-volume", "raw", "list", "--format", "json", "/dev/loop5"]], host.Calls);
        Assert.Equal((1, "/dev/loop5"), (Assert.Single(osds).OsdId, osds[0].Device));
    }

    [Fact]
    public async Task PreparesAnOsdAndReadsItBack()
    {
        var host = Replies(Reply(0, "/dev/loop5\n"), Captured(V + "raw-prepare"), Reply(0, "/dev/loop5\n"), Captured(V + "raw-list-device"));
        var osd = await new CephVolume(host).RawPrepareAsync(new RawPrepareOptions("/dev/vdc") { CrushDeviceClass = "ssd" }, None);
        Assert.Equal(["ceph-volume", "raw", "prepare", "--bluestore", "--data", "/dev/loop5", "--crush-device-class", "ssd"], host.Calls[1]);
        Assert.Equal((1, Fsid, false), (osd.OsdId, osd.ClusterFsid, osd.AlreadyPrepared));

        // A device that already carries an OSD: ceph-volume exits 0 and writes nothing.
        var again = Replies(Reply(0, "/dev/loop5\n"), Captured(V + "raw-prepare-already-prepared"), Reply(0, "/dev/loop5\n"), Captured(V + "raw-list-device"));
        Assert.True((await new CephVolume(again, new CephContext { Cluster = "lab" }).RawPrepareAsync(new RawPrepareOptions("/dev/vdc") { NoTmpfs = true }, None)).AlreadyPrepared);
        Assert.Equal(["ceph-volume", "--cluster", "lab", "raw", "prepare", "--bluestore", "--data", "/dev/loop5", "--no-tmpfs"], again.Calls[1]);
    }

    [Fact]
    public async Task ActivatesWithoutSystemdOnTheKernelDevice()
    {
        // 16.2.15 refuses raw activate without --no-systemd ("systemd support not yet implemented").
        var refused = CapturedRun.Load(V + "raw-activate-without-no-systemd");
        Assert.Equal((1, "--> systemd support not yet implemented"), (refused.Exit, refused.Stderr.Trim()));

        var host = Replies(Reply(0, "/dev/loop5\n"), Captured(V + "raw-activate"));
        await new CephVolume(host).RawActivateAsync("/dev/vdc", noTmpfs: false, None);
        Assert.Equal(["ceph-volume", "raw", "activate", "--device", "/dev/loop5", "--no-systemd"], host.Calls[1]);

        var failing = Replies(Reply(0, "/dev/vdc\n"), Captured(V + "raw-activate-symlink"));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => new CephVolume(failing).RawActivateAsync("/dev/vdc", false, None));
        Assert.Contains("IndexError", e.Message);
    }

    [Fact]
    public async Task ReadsInventoryAndWhyADeviceIsRejected()
    {
        var host = Replies(Reply(0, "/dev/loop5\n"), Captured(V + "inventory-device-with-osd"));
        var d = await new CephVolume(host).InventoryAsync("/dev/vdc", None);
        Assert.Equal(["ceph-volume", "inventory", "--format", "json", "/dev/loop5"], host.Calls[1]);
        Assert.Equal(("/dev/loop5", false, true, null, 0), (d.Path, d.Available, d.HasBlueStoreLabel, d.DeviceId, d.LogicalVolumes));
        Assert.Equal(["Device type is not acceptable. It should be raw device or partition", "Has BlueStore device label", "Has a FileSystem"], d.RejectedReasons);
        Assert.Empty(d.SysApi);

        // Loop devices are not listed at all by a full inventory.
        Assert.Empty(await new CephVolume(Always(V + "inventory-loop-devices")).InventoryAsync(None));
    }

    [Fact]
    public async Task AMissingDeviceIsNotFound()
    {
        var gone = await Assert.ThrowsAsync<ObjectNotFoundException>(() => new CephVolume(Replies(Reply(1))).InventoryAsync("/dev/nosuch", None));
        Assert.Equal(("block device", "/dev/nosuch", "readlink"), (gone.Kind, gone.Name, gone.Tool));

        // A path that exists but is no block device: ceph-volume relays lsblk's complaint.
        var host = Replies(Reply(0, "/dev/nosuch\n"), Captured(V + "inventory-missing-device"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => new CephVolume(host).InventoryAsync("/dev/nosuch", None));
        Assert.Equal(("block device", "ceph-volume"), (e.Kind, e.Tool));
        Assert.Contains("not a block device", e.Message);

        await Assert.ThrowsAsync<ArgumentException>(() => new CephVolume(Replies()).RawActivateAsync("vdb", false, None));
        var missing = await Assert.ThrowsAsync<ToolMissingException>(() => new CephVolume(Replies(Reply(0, "/dev/loop4\n"), Reply(127))).RawListAsync("/dev/vdb", None));
        Assert.Equal("ceph-osd", missing.Package);
    }
}
