using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools.CephClients;

/// <summary>The Rbd client against real RBD images on h3's lab cluster, each test in a pool of its own, checked with `rbd` on the host.</summary>
[Collection(LabCollection.Name)]
public sealed class RbdLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private static readonly CancellationToken None = CancellationToken.None;
    private const long MiB = 1 << 20;

    /// <summary>A fresh rbd pool for one test, deleted afterwards.</summary>
    private async Task<(IHost Host, string Pool, Func<Task> Drop)> PoolAsync(SshTransport transport)
    {
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        var pool = "mvmtest-rbd-" + Guid.NewGuid().ToString("N")[..8];
        await ceph.CreatePoolAsync(new PoolCreateOptions(pool) { PgNum = 8, AutoscaleMode = CephAutoscaleMode.Off }, None);
        await ceph.EnableApplicationAsync(pool, "rbd", None);
        return (host, pool, () => ceph.DeletePoolAsync(pool, allowTemporarily: true, None));
    }

    private static async Task<JsonElement> RawInfoAsync(IHost host, string pool, string image)
    {
        var r = await host.RunCheckedAsync(["rbd", "info", "--pool", pool, "--image", image, "--format", "json"], T, None);
        using var doc = JsonDocument.Parse(r.StdoutText);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task CreatesResizesSnapshotsClonesAndRemovesImages()
    {
        await using var transport = new SshTransport();
        var (host, pool, drop) = await PoolAsync(transport);
        var rbd = new Rbd(host);
        var disk = new RbdImageRef(pool, "disk0");
        var clone = new RbdImageRef(pool, "disk0-clone");
        try
        {
            await rbd.CreateAsync(disk, 64 * MiB, new RbdImageOptions { Features = ["layering", "exclusive-lock"] }, None);
            var info = await rbd.InfoAsync(disk, None);
            Assert.Equal(("disk0", 64 * MiB, 2), (info.Name, info.SizeBytes, info.Format));
            Assert.Equal(["layering", "exclusive-lock"], info.Features);
            Assert.Equal(64 * MiB, (await RawInfoAsync(host, pool, "disk0")).GetProperty("size").GetInt64());
            var exists = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => rbd.CreateAsync(disk, 64 * MiB, null, None));
            Assert.Equal(CephErrno.EEXIST, exists.ExitCode);

            await rbd.ResizeAsync(disk, 128 * MiB, allowShrink: false, None);
            Assert.Equal(128 * MiB, (await RawInfoAsync(host, pool, "disk0")).GetProperty("size").GetInt64());
            await Assert.ThrowsAsync<RbdShrinkRefusedException>(() => rbd.ResizeAsync(disk, 32 * MiB, allowShrink: false, None));
            Assert.Equal(128 * MiB, (await rbd.InfoAsync(disk, None)).SizeBytes);
            await rbd.ResizeAsync(disk, 96 * MiB, allowShrink: true, None);
            Assert.Equal(96 * MiB, (await RawInfoAsync(host, pool, "disk0")).GetProperty("size").GetInt64());

            Assert.True(await rbd.SnapCreateAsync(disk, "base", None));
            Assert.False(await rbd.SnapCreateAsync(disk, "base", None));
            await rbd.SnapProtectAsync(disk, "base", None);
            await rbd.SnapProtectAsync(disk, "base", None); // idempotent
            var snap = Assert.Single(await rbd.SnapListAsync(disk, None));
            Assert.Equal(("base", 96 * MiB, true), (snap.Name, snap.SizeBytes, snap.Protected));

            await rbd.CloneAsync(disk, "base", clone, new RbdImageOptions { Features = ["layering"] }, None);
            var child = await rbd.InfoAsync(clone, None);
            Assert.Equal((pool, "disk0", "base"), (child.Parent!.Pool, child.Parent.Image, child.Parent.Snapshot));
            Assert.Equal([clone], await rbd.ChildrenAsync(disk, "base", None));

            var listing = await rbd.ListAsync(pool, null, None);
            Assert.Equal(["disk0", "disk0-clone"], listing.Images.Select(i => i.Image).Order());
            Assert.Equal(new RbdListedSnapshot("disk0", "base", snap.Id, 96 * MiB, true), Assert.Single(listing.Snapshots));
            var rawLs = (await host.RunCheckedAsync(["rbd", "ls", "--pool", pool, "--format", "json"], T, None)).StdoutText;
            Assert.Equal(["disk0", "disk0-clone"], JsonSerializer.Deserialize<string[]>(rawLs)!.Order());

            // In use: snapshots keep the parent, clones keep the snapshot protected.
            var busy = await Assert.ThrowsAsync<RbdImageBusyException>(() => rbd.RemoveAsync(disk, None));
            output.WriteLine(busy.Message);
            await Assert.ThrowsAsync<RbdImageBusyException>(() => rbd.SnapUnprotectAsync(disk, "base", None));

            Assert.Equal(RemovalOutcome.Removed, await rbd.RemoveAsync(clone, None));
            await rbd.SnapUnprotectAsync(disk, "base", None);
            Assert.Equal(RemovalOutcome.Removed, await rbd.SnapRemoveAsync(disk, "base", None));
            Assert.Equal(RemovalOutcome.AlreadyAbsent, await rbd.SnapRemoveAsync(disk, "base", None));
            Assert.Equal(RemovalOutcome.Removed, await rbd.RemoveAsync(disk, None));
            Assert.Equal(RemovalOutcome.AlreadyAbsent, await rbd.RemoveAsync(disk, None));
            Assert.Null(await rbd.FindAsync(disk, None));
            Assert.Equal("[]", (await host.RunCheckedAsync(["rbd", "ls", "--pool", pool, "--format", "json"], T, None)).StdoutText.Trim());
        }
        finally
        {
            await drop();
        }
    }

    [Fact]
    public async Task ImportsWithProgressAndTheBytesArrive()
    {
        await using var transport = new SshTransport();
        var (host, pool, drop) = await PoolAsync(transport);
        var rbd = new Rbd(host);
        const string source = "/root/mvm-rbd-import-test.raw";
        try
        {
            await host.RunCheckedAsync(["dd", "if=/dev/urandom", "of=" + source, "bs=1M", "count=256", "status=none"], T, None);
            var sum = (await host.RunCheckedAsync(["sha256sum", source], T, None)).StdoutText.Split(' ')[0];

            var seen = new List<int>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await rbd.ImportAsync(source, new RbdImageRef(pool, "imported"), new RbdImageOptions { Features = ["layering"] }, TimeSpan.FromMinutes(5), None,
                new Progress(seen.Add), TimeSpan.FromMilliseconds(100));
            output.WriteLine($"import of 256 MiB with progress took {clock.Elapsed.TotalSeconds:F1} s; reported {string.Join(", ", seen)}");
            Assert.Equal(100, seen[^1]);
            Assert.Equal(seen.Order(), seen);
            Assert.Equal(seen.Distinct().Count(), seen.Count);
            Assert.Equal(256 * MiB, (await rbd.InfoAsync(new RbdImageRef(pool, "imported"), None)).SizeBytes);

            // The image holds exactly the file's bytes (rbd export on the host, not the client).
            var exported = await host.RunCheckedAsync(["bash", "-c", "rbd export --no-progress --pool \"$1\" --image imported - | sha256sum", "check", pool], T, None);
            Assert.Equal(sum, exported.StdoutText.Split(' ')[0]);
            // No temporary progress file is left behind.
            Assert.Equal("", (await host.RunAsync(["sh", "-c", "ls /tmp/mvm-rbd-import.* 2>/dev/null"], null, T, None)).StdoutText);

            clock.Restart();
            await rbd.ImportAsync(source, new RbdImageRef(pool, "quiet"), null, TimeSpan.FromMinutes(5), None);
            output.WriteLine($"import of 256 MiB with --no-progress took {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(256 * MiB, (await RawInfoAsync(host, pool, "quiet")).GetProperty("size").GetInt64());

            var again = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => rbd.ImportAsync(source, new RbdImageRef(pool, "quiet"), null, T, None));
            Assert.Equal(CephErrno.EEXIST, again.ExitCode);
            var missing = await Assert.ThrowsAsync<ObjectNotFoundException>(() => rbd.ImportAsync("/root/no-such-file.raw", new RbdImageRef(pool, "x"), null, T, None,
                new Progress(_ => { }), TimeSpan.FromMilliseconds(100)));
            Assert.Equal(("file", "/root/no-such-file.raw"), (missing.Kind, missing.Name));
        }
        finally
        {
            await host.RunAsync(["rm", "-f", source], null, T, None);
            await drop();
        }
    }

    [Fact]
    public async Task MissingPoolImageAndSnapshotAreObjectNotFound()
    {
        await using var transport = new SshTransport();
        var (host, pool, drop) = await PoolAsync(transport);
        var rbd = new Rbd(host);
        try
        {
            var image = await Assert.ThrowsAsync<ObjectNotFoundException>(() => rbd.InfoAsync(new RbdImageRef(pool, "nosuch"), None));
            Assert.Equal(("image", "nosuch", "rbd"), (image.Kind, image.Name, image.Tool));
            var noPool = await Assert.ThrowsAsync<ObjectNotFoundException>(() => rbd.InfoAsync(new RbdImageRef("mvmtest-no-pool", "x"), None));
            Assert.Equal(("pool", "mvmtest-no-pool"), (noPool.Kind, noPool.Name));
            var list = await Assert.ThrowsAsync<ObjectNotFoundException>(() => rbd.ListAsync("mvmtest-no-pool", null, None));
            Assert.Equal("pool", list.Kind);
            await Assert.ThrowsAsync<ObjectNotFoundException>(() => rbd.ResizeAsync(new RbdImageRef(pool, "nosuch"), MiB, false, None));

            await rbd.CreateAsync(new RbdImageRef(pool, "img"), 8 * MiB, null, None);
            var snap = await Assert.ThrowsAsync<ObjectNotFoundException>(() => rbd.SnapProtectAsync(new RbdImageRef(pool, "img"), "nosuch", None));
            Assert.Equal(("snapshot", $"{pool}/img@nosuch"), (snap.Kind, snap.Name));
            var clone = await Assert.ThrowsAsync<ObjectNotFoundException>(() =>
                rbd.CloneAsync(new RbdImageRef(pool, "img"), "nosuch", new RbdImageRef(pool, "c"), null, None));
            Assert.Equal("snapshot", clone.Kind);
            output.WriteLine(clone.Message);

            Assert.Equal(RemovalOutcome.AlreadyAbsent, await rbd.RemoveAsync(new RbdImageRef(pool, "nosuch"), None));
            Assert.Equal(RemovalOutcome.AlreadyAbsent, await rbd.RemoveAsync(new RbdImageRef("mvmtest-no-pool", "x"), None));
            Assert.Equal(RemovalOutcome.Removed, await rbd.RemoveAsync(new RbdImageRef(pool, "img"), None));
        }
        finally
        {
            await drop();
        }
    }

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
