using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools.CephClients;

/// <summary>
/// The CephVolume client on h3, whose data disks are loop devices bound into the container
/// (/dev/vdb → /dev/loopN): `raw` BlueStore OSDs work on them; `lvm` cannot (no device-mapper).
/// </summary>
[Collection(LabCollection.Name)]
public sealed class CephVolumeLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task DescribesTheOsdDiskAndTheBlankSpare()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, host, output);
        var volume = new CephVolume(host);

        var kernel = await volume.ResolveDeviceAsync(CephLabCluster.DataDevice, None);
        Assert.Equal(cluster.OsdKernelDevice, kernel);
        Assert.Equal(kernel, (await host.RunCheckedAsync(["readlink", "-f", CephLabCluster.DataDevice], T, None)).StdoutText.Trim());

        var osd = Assert.Single(await volume.RawListAsync(CephLabCluster.DataDevice, None));
        Assert.Equal((cluster.OsdId, cluster.Fsid, kernel, "bluestore"), (osd.OsdId, osd.ClusterFsid, osd.Device, osd.Type));
        Assert.Contains(await volume.RawListAsync(null, None), o => o.OsdId == cluster.OsdId);

        var used = await volume.InventoryAsync(CephLabCluster.DataDevice, None);
        Assert.Equal((kernel, false, true), (used.Path, used.Available, used.HasBlueStoreLabel));
        // ceph-volume's inventory rejects loop devices by type, so even the blank spare is "not
        // available" here: the lab must not rely on inventory to pick disks (production disks pass).
        var spare = await volume.InventoryAsync(CephLabCluster.SpareDevice, None);
        Assert.False(spare.HasBlueStoreLabel);
        Assert.Contains("Device type is not acceptable. It should be raw device or partition", spare.RejectedReasons);
        Assert.Empty(await volume.RawListAsync(CephLabCluster.SpareDevice, None));

        var missing = await Assert.ThrowsAsync<ObjectNotFoundException>(() => volume.InventoryAsync("/dev/vdz", None));
        Assert.Equal(("block device", "/dev/vdz"), (missing.Kind, missing.Name));
    }

    /// <summary>
    /// The OSD-safe removal runbook, end to end on real Ceph: a second OSD on the spare disk
    /// (ceph-volume raw prepare + activate), then ok-to-stop → out → wait active+clean →
    /// safe-to-destroy → stop → purge, each answer read through the clients.
    /// </summary>
    [Fact]
    public async Task AddsAnOsdOnTheSpareDiskAndRemovesItSafely()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        var volume = new CephVolume(host);
        var clock = Stopwatch.StartNew();
        var times = new List<string>();
        void Mark(string what) => times.Add($"{what} {clock.Elapsed.TotalSeconds:F1} s");
        int? id = null;
        var pool = "mvmtest-drain-" + Guid.NewGuid().ToString("N")[..8];
        const string source = "/root/mvm-drain-test.raw";
        try
        {
            var osd = await volume.RawPrepareAsync(new RawPrepareOptions(CephLabCluster.SpareDevice), None);
            id = osd.OsdId;
            Assert.False(osd.AlreadyPrepared);
            Assert.Equal(cluster.Fsid, osd.ClusterFsid);
            Assert.NotEqual(cluster.OsdId, osd.OsdId);
            await volume.RawActivateAsync(CephLabCluster.SpareDevice, noTmpfs: false, None);
            await host.RunCheckedAsync(["systemctl", "enable", "--now", $"ceph-osd@{osd.OsdId}"], T, None);
            Assert.True((await volume.RawPrepareAsync(new RawPrepareOptions(CephLabCluster.SpareDevice), None)).AlreadyPrepared);
            Mark("prepared+activated+started");
            while ((await ceph.OsdTreeAsync(None)).FindOsd(osd.OsdId) is not { Up: true, In: true, Host: "h3" })
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"osd.{osd.OsdId} did not come up");
                await Task.Delay(500);
            }
            Mark("up+in");
            // Data for the new OSD to hold: a size-1 pool whose 16 PGs spread over both OSDs, and
            // an image with a known checksum that must survive the removal.
            Assert.True(await ceph.CreatePoolAsync(new PoolCreateOptions(pool) { PgNum = 16, AutoscaleMode = CephAutoscaleMode.Off }, None));
            await ceph.EnableApplicationAsync(pool, "rbd", None);
            await host.RunCheckedAsync(["dd", "if=/dev/urandom", "of=" + source, "bs=1M", "count=64", "status=none"], T, None);
            var sum = (await host.RunCheckedAsync(["sha256sum", source], T, None)).StdoutText.Split(' ')[0];
            await new Rbd(host).ImportAsync(source, new RbdImageRef(pool, "data"), null, TimeSpan.FromMinutes(5), None);
            await ceph.WaitForPgsActiveCleanAsync(TimeSpan.FromSeconds(120), null, None);
            Assert.True((await ceph.OsdDfAsync(None)).Find(osd.OsdId)!.Pgs > 0);
            Mark("pool with 64 MiB image, active+clean on 2 OSDs");

            // The runbook: ask, drain, wait, ask again, then remove. With single-copy PGs on it,
            // stopping the new OSD would take data offline: Ceph's EBUSY, as a result.
            var before = await ceph.OsdOkToStopAsync([osd.OsdId], None);
            Assert.False(before.Ok);
            Assert.Equal("EBUSY", before.Errno);
            Assert.True(before.NotOkPgs > 0);
            var early = await ceph.OsdSafeToDestroyAsync([osd.OsdId], None);
            Assert.False(early.Safe);
            output.WriteLine($"before out: ok-to-stop says {before.Reason}; safe-to-destroy says {early.Reason}");

            await ceph.OsdOutAsync(osd.OsdId, None);
            Assert.False((await ceph.OsdTreeAsync(None)).FindOsd(osd.OsdId)!.In);
            var readings = new List<string>();
            var safe = await ceph.WaitForOsdsDrainedAsync([osd.OsdId], TimeSpan.FromSeconds(180), new Progress(p => readings.Add(p.ActiveCleanPercent.ToString("0.#"))),
                None, TimeSpan.FromMilliseconds(250));
            Mark("drained (active+clean and safe-to-destroy)");
            // The manager's PG stats lag the OSD map: in the lab every reading said 100 % while
            // safe-to-destroy still said no for a few seconds; the wait must not stop at the first.
            output.WriteLine($"active+clean % per poll while draining ({readings.Count} polls): " + string.Join(", ", readings));
            Assert.Equal([osd.OsdId], safe.SafeToDestroy);
            Assert.Equal(0, (await ceph.OsdDfAsync(None)).Find(osd.OsdId)!.Pgs);

            // Drained: stopping it can make nothing unavailable. ok-to-stop reads PG states that can
            // lag safe-to-destroy by a moment (seen once in the lab: "unsafe (2 PGs)" right after the
            // drain), so the runbook waits for it, bounded, instead of trusting the first reading.
            var after = await ceph.OsdOkToStopAsync([osd.OsdId], None);
            var okClock = System.Diagnostics.Stopwatch.StartNew();
            while (!after.Ok && okClock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(500);
                after = await ceph.OsdOkToStopAsync([osd.OsdId], None);
            }
            output.WriteLine($"ok-to-stop after the drain said yes after {okClock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(after.Ok, after.Reason);

            // Purge refuses a running OSD; stop it first, as the runbook says.
            var running = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => ceph.OsdPurgeAsync(osd.OsdId, None));
            Assert.Equal(CephErrno.EBUSY, running.ExitCode);
            await host.RunCheckedAsync(["systemctl", "disable", "--now", $"ceph-osd@{osd.OsdId}"], T, None);
            Assert.Equal(RemovalOutcome.Removed, await ceph.OsdPurgeAsync(osd.OsdId, None));
            Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.OsdPurgeAsync(osd.OsdId, None));
            Mark("purged");

            Assert.Null((await ceph.OsdTreeAsync(None)).FindOsd(osd.OsdId));
            Assert.Equal(CephErrno.ENOENT, (await host.RunAsync(["ceph", "auth", "get", $"osd.{osd.OsdId}"], null, T, None)).ExitCode);
            Assert.DoesNotContain($"{osd.OsdId}", (await host.RunCheckedAsync(["ceph", "osd", "ls"], T, None)).StdoutText.Split('\n'));
            Assert.True((await ceph.StatusAsync(None)).Health.IsOk);
            // Nothing was lost: the image reads back identical from the remaining OSD.
            var exported = await host.RunCheckedAsync(["bash", "-c", "rbd export --no-progress --pool \"$1\" --image data - | sha256sum", "check", pool], T, None);
            Assert.Equal(sum, exported.StdoutText.Split(' ')[0]);
            output.WriteLine("removal runbook: " + string.Join("; ", times));
        }
        finally
        {
            // Leave the spare blank and the cluster as it was for the next run, whatever happened above.
            await host.RunAsync(["rm", "-f", source], null, T, None);
            await ceph.DeletePoolAsync(pool, allowTemporarily: true, None);
            if (id is { } n)
            {
                await host.RunAsync(["systemctl", "disable", "--now", $"ceph-osd@{n}"], null, T, None);
                await ceph.OsdPurgeAsync(n, None);
                await host.RunAsync(["umount", $"/var/lib/ceph/osd/ceph-{n}"], null, T, None);
                await host.RunAsync(["rm", "-rf", $"/var/lib/ceph/osd/ceph-{n}"], null, T, None);
            }
            var spare = await volume.ResolveDeviceAsync(CephLabCluster.SpareDevice, None);
            await host.RunCheckedAsync(["wipefs", "-a", "-q", spare], T, None);
        }
    }

    private sealed class Progress(Action<PgSummary> report) : IProgress<PgSummary>
    {
        public void Report(PgSummary value) => report(value);
    }
}
