using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Tests.Lab.Tools.CephClients;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// The OSD-safe removal runbook against h3's real single-host cluster: a second OSD is added on
/// the spare disk, holds part of an RBD image in a size-1 pool, and is removed by
/// <see cref="OsdRemoval"/> while the image must read back unchanged. Checked with `ceph`,
/// `systemctl` and `ceph-volume` on the host, not through the classes under test.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class OsdRemovalLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(3);
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Image = "data";

    private sealed record Setup(IHost Host, Ceph Ceph, int OsdId, string Pool, string Sha256);

    [Fact]
    public async Task RemovesTheAddedOsdAndTheDataSurvives()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        var clock = Stopwatch.StartNew();
        Setup? s = null;
        try
        {
            s = await AddOsdWithDataAsync(host);
            var added = clock.Elapsed;
            var request = RemovalRequest.Disks(s.OsdId);
            Assert.Empty(await RemovalPreflight.CheckAsync(s.Ceph, request, None));
            var plan = RemovalPlan.Describe(request, new Dictionary<int, OsdPlacement> { [s.OsdId] = new("h3", CephLabCluster.SpareDevice, WipeDevice: true) },
                await s.Ceph.OsdTreeAsync(None));
            output.WriteLine("plan:\n  " + string.Join("\n  ", plan));

            var lines = new List<string>();
            clock.Restart();
            var steps = await new OsdRemoval { PollInterval = TimeSpan.FromMilliseconds(250) }
                .RemoveAsync(s.Ceph, new RemoteHost(host), s.OsdId, CephLabCluster.SpareDevice, new Lines(lines),
                    DrainLimit, None);
            output.WriteLine($"setup (OSD added, 64 MiB image written) {added.TotalSeconds:F1} s; removal {clock.Elapsed.TotalSeconds:F1} s");
            output.WriteLine("progress:\n  " + string.Join("\n  ", lines));
            Assert.Equal(["out", "drain", "ok-to-stop", "stop", "purge", "data directory", "wipe"], steps.Select(x => x.Name));
            Assert.All(steps, x => Assert.False(x.Skipped, x.ToString()));
            Assert.Contains(lines, l => l.Contains("% of PGs active+clean", StringComparison.Ordinal));

            await AssertRemovedAsync(s);
        }
        finally
        {
            await CleanUpAsync(host, s);
        }
    }

    [Fact]
    public async Task AnInterruptedRemovalResumesWhereItStopped()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        Setup? s = null;
        try
        {
            s = await AddOsdWithDataAsync(host);
            var removal = new OsdRemoval { PollInterval = TimeSpan.FromMilliseconds(250) };
            using var cts = new CancellationTokenSource();
            var first = new List<string>();
            // Cancelled the moment `out` is reported, as an engine Cancel would arrive mid-step.
            var progress = new Lines(first, line => { if (line.Contains(": out:", StringComparison.Ordinal)) cts.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => removal.RemoveAsync(s.Ceph,
                new RemoteHost(host), s.OsdId, CephLabCluster.SpareDevice, progress, DrainLimit, cts.Token));
            output.WriteLine("interrupted run:\n  " + string.Join("\n  ", first));

            // Where it stopped, per the host: out, but still in the map, its daemon running.
            var osd = (await RawTreeAsync(host)).Single(n => n.GetProperty("id").GetInt32() == s.OsdId);
            Assert.Equal(0, osd.GetProperty("reweight").GetDouble());
            Assert.Equal("up", osd.GetProperty("status").GetString());

            var second = new List<string>();
            var clock = Stopwatch.StartNew();
            var steps = await removal.RemoveAsync(s.Ceph, new RemoteHost(host), s.OsdId, CephLabCluster.SpareDevice,
                new Lines(second), DrainLimit, None);
            output.WriteLine($"resumed run ({clock.Elapsed.TotalSeconds:F1} s):\n  " + string.Join("\n  ", second));
            Assert.Equal(new RemovalStep("out", true, "already out"), steps[0]);
            Assert.Equal(["drain", "ok-to-stop", "stop", "purge", "data directory", "wipe"], steps.Skip(1).Where(x => !x.Skipped).Select(x => x.Name));

            await AssertRemovedAsync(s);

            // A third run finds nothing left to do and says so.
            var third = await removal.RemoveAsync(s.Ceph, new RemoteHost(host), s.OsdId, null, null, DrainLimit, None);
            Assert.All(third, x => Assert.True(x.Skipped, x.ToString()));
        }
        finally
        {
            await CleanUpAsync(host, s);
        }
    }

    [Fact]
    public async Task PreflightRefusesToRemoveTheLastOsdOrMonitor()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);

        // Other tests create and delete pools meanwhile: judge the pools that exist before and after.
        // A cluster bootstrapped a moment ago has none until its manager creates device_health_metrics.
        var before = await PoolNamesAsync(host);
        for (var i = 0; i < 60 && before.Length == 0; i++)
        {
            await Task.Delay(1000);
            before = await PoolNamesAsync(host);
        }
        var reasons = await RemovalPreflight.CheckAsync(ceph, new RemovalRequest([cluster.OsdId], "h3", cluster.MonName), None);
        output.WriteLine("refused:\n  " + string.Join("\n  ", reasons));
        var pools = before.Intersect(await PoolNamesAsync(host)).ToList();
        Assert.NotEmpty(pools);
        // Every pool would have no host left.
        foreach (var pool in pools)
            Assert.Contains(reasons, r => r.StartsWith($"pool \"{pool}\" keeps", StringComparison.Ordinal) && r.Contains("only 0 host(s) would remain", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("no OSD would remain in", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains($"monitor {cluster.MonName} is the cluster's only monitor", StringComparison.Ordinal));

        // Host removal refuses on its own too, before touching anything.
        var busy = await Assert.ThrowsAsync<PreconditionFailedException>(() => new OsdRemoval().RemoveHostAsync(ceph,
            new RemoteHost(host), "h3", cluster.MonName, null, None));
        Assert.Contains($"osd.{cluster.OsdId}", busy.Message);
        var osd = (await RawTreeAsync(host)).Single(n => n.GetProperty("id").GetInt32() == cluster.OsdId);
        Assert.Equal(("up", 1.0), (osd.GetProperty("status").GetString(), osd.GetProperty("reweight").GetDouble()));
        Assert.Equal(0, (await host.RunAsync(["systemctl", "is-active", "--quiet", $"ceph-mon@{cluster.MonName}"], null, T, None)).ExitCode);
    }

    [Fact]
    public async Task RemovesAnEmptyCrushHostBucket()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        // The bucket stands for a host that is already gone: the "leaving host" is h1, which runs no
        // monitor (h3 runs the cluster's only one, which the removal would rightly refuse to take).
        var gone = transport.Host(lab.Target(lab.H1));
        var bucket = "mvmtest-host-" + Guid.NewGuid().ToString("N")[..6];
        // An empty host bucket outside the root: what a host leaves behind once its OSDs are purged.
        await host.RunCheckedAsync(["ceph", "osd", "crush", "add-bucket", bucket, "host"], T, None);
        try
        {
            var steps = await new OsdRemoval().RemoveHostAsync(ceph, new RemoteHost(gone), bucket, null, null, None);
            Assert.Equal(new RemovalStep("crush", false, $"removed host bucket {bucket}"), Assert.Single(steps));
            Assert.DoesNotContain(bucket, (await RawTreeAsync(host)).Select(n => n.GetProperty("name").GetString()));
            Assert.True(Assert.Single(await new OsdRemoval().RemoveHostAsync(ceph, new RemoteHost(gone), bucket,
                null, null, None)).Skipped);
        }
        finally
        {
            await host.RunAsync(["ceph", "osd", "crush", "remove", bucket], null, T, None);
        }
    }

    /// <summary>A second OSD on the spare disk, and a size-1 pool whose image has PGs on it.</summary>
    private async Task<Setup> AddOsdWithDataAsync(IHost host)
    {
        var cluster = await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        var volume = new CephVolume(host);
        var clock = Stopwatch.StartNew();
        var osd = await volume.RawPrepareAsync(new RawPrepareOptions(CephLabCluster.SpareDevice), None);
        Assert.NotEqual(cluster.OsdId, osd.OsdId);
        await volume.RawActivateAsync(CephLabCluster.SpareDevice, noTmpfs: false, None);
        await host.RunCheckedAsync(["systemctl", "enable", "--now", $"ceph-osd@{osd.OsdId}"], T, None);
        while ((await ceph.OsdTreeAsync(None)).FindOsd(osd.OsdId) is not { Up: true, In: true })
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"osd.{osd.OsdId} did not come up");
            await Task.Delay(500);
        }
        var pool = "mvmtest-osdrm-" + Guid.NewGuid().ToString("N")[..8];
        var s = new Setup(host, ceph, osd.OsdId, pool, "");
        try
        {
            Assert.True(await ceph.CreatePoolAsync(new PoolCreateOptions(pool) { PgNum = 16, Size = 1, AutoscaleMode = CephAutoscaleMode.Off }, None));
            await ceph.EnableApplicationAsync(pool, "rbd", None);
            const string source = "/root/mvm-osdrm-test.raw";
            await host.RunCheckedAsync(["dd", "if=/dev/urandom", "of=" + source, "bs=1M", "count=64", "status=none"], T, None);
            var sum = (await host.RunCheckedAsync(["sha256sum", source], T, None)).StdoutText.Split(' ')[0];
            await new Rbd(host).ImportAsync(source, new RbdImageRef(pool, Image), null, TimeSpan.FromMinutes(5), None);
            await host.RunAsync(["rm", "-f", source], null, T, None);
            await ceph.WaitForPgsActiveCleanAsync(TimeSpan.FromSeconds(120), null, None);
            var pgs = (await ceph.OsdDfAsync(None)).Find(osd.OsdId)!.Pgs;
            Assert.True(pgs > 0, $"osd.{osd.OsdId} holds no PGs, so its removal would move nothing");
            output.WriteLine($"osd.{osd.OsdId} on {osd.Device} up and in with {pgs} PGs of {pool} after {clock.Elapsed.TotalSeconds:F1} s");
            return s with { Sha256 = sum };
        }
        catch
        {
            await CleanUpAsync(host, s);
            throw;
        }
    }

    private async Task AssertRemovedAsync(Setup s)
    {
        var host = s.Host;
        Assert.DoesNotContain(s.OsdId, (await RawTreeAsync(host)).Select(n => n.GetProperty("id").GetInt32()));
        Assert.Equal(CephErrno.ENOENT, (await host.RunAsync(["ceph", "auth", "get", $"osd.{s.OsdId}"], null, T, None)).ExitCode);
        Assert.Equal("inactive", (await host.RunAsync(["systemctl", "is-active", $"ceph-osd@{s.OsdId}"], null, T, None)).StdoutText.Trim());
        Assert.Equal("disabled", (await host.RunAsync(["systemctl", "is-enabled", $"ceph-osd@{s.OsdId}"], null, T, None)).StdoutText.Trim());
        Assert.NotEqual(0, (await host.RunAsync(["test", "-e", $"/var/lib/ceph/osd/ceph-{s.OsdId}"], null, T, None)).ExitCode);
        // Wiped: no BlueStore label, so ceph-volume would take the disk again.
        var spare = (await host.RunCheckedAsync(["readlink", "-e", CephLabCluster.SpareDevice], T, None)).StdoutText.Trim();
        Assert.Equal("{}", (await host.RunCheckedAsync(["ceph-volume", "raw", "list", "--format", "json", spare], T, None)).StdoutText.Trim());
        // The purge changes the OSD map and the PGs peer again; a read before they are active blocks.
        // The cluster flow waits for HEALTH_OK after a removal; this test drives OsdRemoval alone, so it waits here.
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        Mvm.Tools.CephStatus status;
        while (!(status = await s.Ceph.StatusAsync(None)).Pgs.AllActiveClean)
        {
            Assert.True(DateTime.UtcNow < until, "PGs not active+clean 3 min after the removal: " + status.Pgs.Describe());
            await Task.Delay(500);
        }
        var exported = await host.RunCheckedAsync(["bash", "-c", "rbd export --no-progress --pool \"$1\" --image \"$2\" - | sha256sum", "check", s.Pool, Image],
            TimeSpan.FromMinutes(3), None);
        Assert.Equal(s.Sha256, exported.StdoutText.Split(' ')[0]);
        var health = (await host.RunCheckedAsync(["ceph", "health", "-f", "json"], T, None)).StdoutText;
        Assert.True(health.Contains("\"HEALTH_OK\"", StringComparison.Ordinal), health);
    }

    private static async Task<string[]> PoolNamesAsync(IHost host) =>
        JsonSerializer.Deserialize<string[]>((await host.RunCheckedAsync(["ceph", "osd", "pool", "ls", "-f", "json"], T, None)).StdoutText)!;

    private static async Task<List<JsonElement>> RawTreeAsync(IHost host)
    {
        var r = await host.RunCheckedAsync(["ceph", "osd", "tree", "-f", "json"], T, None);
        using var doc = JsonDocument.Parse(r.StdoutText);
        return doc.RootElement.GetProperty("nodes").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>Leaves the spare disk blank and only the lab's own OSD, whatever the test got to.</summary>
    private static async Task CleanUpAsync(IHost host, Setup? s)
    {
        if (s is null) return;
        var ceph = s.Ceph;
        await ceph.DeletePoolAsync(s.Pool, allowTemporarily: true, None);
        await host.RunAsync(["systemctl", "disable", "--now", $"ceph-osd@{s.OsdId}"], null, T, None);
        for (var i = 0; i < 60 && (await ceph.OsdTreeAsync(None)).FindOsd(s.OsdId) is { Up: true }; i++) await Task.Delay(500);
        await ceph.OsdPurgeAsync(s.OsdId, None);
        await host.RunAsync(["umount", $"/var/lib/ceph/osd/ceph-{s.OsdId}"], null, T, None);
        await host.RunAsync(["rm", "-rf", $"/var/lib/ceph/osd/ceph-{s.OsdId}"], null, T, None);
        var spare = await new CephVolume(host).ResolveDeviceAsync(CephLabCluster.SpareDevice, None);
        await host.RunCheckedAsync(["wipefs", "-a", "-q", spare], T, None);
    }

    private sealed class Lines(List<string> lines, Action<string>? also = null) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines) lines.Add(value);
            also?.Invoke(value);
        }
    }
}
