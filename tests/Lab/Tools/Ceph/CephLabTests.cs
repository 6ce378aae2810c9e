using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools.CephClients;

/// <summary>
/// The Ceph client against a real single-host Ceph 16.2.15 cluster on h3 (built by
/// <see cref="CephLabCluster"/>), with what it reads and changes checked by running `ceph` on the
/// host directly.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class CephLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Runs `ceph` on h3 without the client: the host's own answer to compare with.</summary>
    private static async Task<JsonElement> RawJsonAsync(IHost host, params string[] words)
    {
        var r = await host.RunCheckedAsync(["ceph", .. words, "-f", "json"], T, None);
        using var doc = JsonDocument.Parse(r.StdoutText);
        return doc.RootElement.Clone();
    }

    private static string NewPoolName() => "mvmtest-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task ClusterIsHealthyWithItsOsdUpAndIn()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);

        var status = await ceph.StatusAsync(None);
        Assert.True(status.Health.IsOk, $"expected HEALTH_OK, got {await ceph.HealthDetailAsync(None)}");
        Assert.Equal(cluster.Fsid, status.Fsid);
        Assert.Equal((await host.RunCheckedAsync(["ceph", "fsid"], T, None)).StdoutText.Trim(), status.Fsid);
        Assert.Equal([cluster.MonName], status.QuorumNames);
        Assert.True(status.MgrAvailable);
        Assert.True(status.OsdMap is { NumOsds: >= 1, NumUpOsds: >= 1, NumInOsds: >= 1 });

        var tree = await ceph.OsdTreeAsync(None);
        var osd = tree.FindOsd(cluster.OsdId)!;
        Assert.True(osd is { Up: true, In: true, Host: "h3", Exists: true }, $"osd.{cluster.OsdId}: {osd}");
        Assert.True(osd.CrushWeight > 0);
        Assert.Contains(cluster.OsdId, (await RawJsonAsync(host, "osd", "ls")).EnumerateArray().Select(e => e.GetInt32()));

        // The OSD's capacity is the data disk's size as lab-up made it.
        using var hosts = JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.OutDir, "hosts.json")));
        var vdb = hosts.RootElement.GetProperty("hosts")[2].GetProperty("dataDiskDetails").EnumerateArray().First(d => d.GetProperty("path").GetString() == CephLabCluster.DataDevice);
        Assert.Equal(vdb.GetProperty("kernelDevice").GetString(), cluster.OsdKernelDevice);
        var df = (await ceph.OsdDfAsync(None)).Find(cluster.OsdId)!;
        Assert.Equal(vdb.GetProperty("sizeBytes").GetInt64(), df.SizeBytes);
        Assert.True(df.UsedBytes > 0 && df.Pgs > 0);

        var mons = await ceph.MonDumpAsync(None);
        Assert.Equal(lab.H3.Storage, mons.Find(cluster.MonName)!.Ip);
        Assert.True(mons.InQuorum(cluster.MonName));

        var readings = new List<string>();
        var pgs = await ceph.WaitForPgsActiveCleanAsync(TimeSpan.FromSeconds(30), new Progress(p => readings.Add(p.Describe())), None);
        Assert.True(pgs.AllActiveClean);
        Assert.Equal(100, pgs.ActiveCleanPercent);
        output.WriteLine($"{status.Health}; {pgs.Describe()}; osd.{osd.Id} {df.SizeBytes} bytes, {df.Pgs} PGs");
    }

    [Fact]
    public async Task PoolSettingsAreAppliedAndReadBackFromTheCluster()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        var pool = NewPoolName();
        try
        {
            Assert.True(await ceph.CreatePoolAsync(new PoolCreateOptions(pool) { PgNum = 8, AutoscaleMode = CephAutoscaleMode.Off }, None));
            Assert.False(await ceph.CreatePoolAsync(new PoolCreateOptions(pool) { PgNum = 32 }, None)); // exists: nothing applied
            var created = await ceph.GetPoolAsync(pool, None);
            Assert.Equal((8, CephAutoscaleMode.Off, 1, CephPoolType.Replicated), (created.PgNum, created.AutoscaleMode, created.Size, created.Type));

            await ceph.SetPoolPgNumAsync(pool, 16, None);
            await ceph.SetPoolSizeAsync(pool, 2, None);
            await ceph.SetPoolMinSizeAsync(pool, 1, None);
            await ceph.SetPoolQuotaAsync(pool, 1L << 30, 1000, None);
            await ceph.EnableApplicationAsync(pool, "rbd", None);
            await ceph.EnableApplicationAsync(pool, "rbd", None); // idempotent

            var info = await ceph.GetPoolAsync(pool, None);
            Assert.Equal((2, 1, 16, 1L << 30, 1000L), (info.Size, info.MinSize, info.PgNumTarget, info.QuotaMaxBytes, info.QuotaMaxObjects));
            Assert.Equal(["rbd"], info.Applications.Keys);
            var quota = await ceph.GetPoolQuotaAsync(pool, None);
            Assert.Equal((pool, info.Id, 1L << 30, 1000L), (quota.PoolName, quota.PoolId, quota.MaxBytes, quota.MaxObjects));

            // The cluster's own answer, without the client.
            var all = await RawJsonAsync(host, "osd", "pool", "get", pool, "all");
            Assert.Equal((2, 1, "off"), (all.GetProperty("size").GetInt32(), all.GetProperty("min_size").GetInt32(), all.GetProperty("pg_autoscale_mode").GetString()));
            var rawQuota = await RawJsonAsync(host, "osd", "pool", "get-quota", pool);
            Assert.Equal((1L << 30, 1000L), (rawQuota.GetProperty("quota_max_bytes").GetInt64(), rawQuota.GetProperty("quota_max_objects").GetInt64()));
            Assert.Equal(["rbd"], (await RawJsonAsync(host, "osd", "pool", "application", "get", pool)).EnumerateObject().Select(p => p.Name));

            // pg_num moves to its target gradually; the monitors get there within seconds on an idle cluster.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while ((await RawJsonAsync(host, "osd", "pool", "get", pool, "pg_num")).GetProperty("pg_num").GetInt32() != 16)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "pg_num did not reach 16");
                await Task.Delay(500);
            }
            Assert.Equal(16, (await ceph.GetPoolAsync(pool, None)).PgNum);
            output.WriteLine($"pool {pool}: pg_num 8 → 16 took {clock.Elapsed.TotalSeconds:F1} s");

            // Quotas of 0 remove them.
            await ceph.SetPoolQuotaAsync(pool, 0, 0, None);
            Assert.Equal((0L, 0L), ((await ceph.GetPoolQuotaAsync(pool, None)).MaxBytes, (await ceph.GetPoolQuotaAsync(pool, None)).MaxObjects));
        }
        finally
        {
            await ceph.DeletePoolAsync(pool, allowTemporarily: true, None);
        }
        Assert.Null(await ceph.FindPoolAsync(pool, None));
        Assert.DoesNotContain(pool, (await RawJsonAsync(host, "osd", "pool", "ls")).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task PoolDeletionSwitchIsLiftedOnlyForTheDeletion()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        var pool = NewPoolName();
        Assert.True(await ceph.CreatePoolAsync(new PoolCreateOptions(pool) { PgNum = 1 }, None));
        await host.RunCheckedAsync(["ceph", "config", "set", "mon", "mon_allow_pool_delete", "false"], T, None);
        try
        {
            var refused = await Assert.ThrowsAsync<PoolDeletionDisabledException>(() => ceph.DeletePoolAsync(pool, allowTemporarily: false, None));
            output.WriteLine(refused.Message);
            Assert.NotNull(await ceph.FindPoolAsync(pool, None));

            Assert.Equal(RemovalOutcome.Removed, await ceph.DeletePoolAsync(pool, allowTemporarily: true, None));
            Assert.Null(await ceph.FindPoolAsync(pool, None));
            // Put back exactly as it was: false, as an entry of the mon section.
            Assert.Equal("false", (await host.RunCheckedAsync(["ceph", "config", "get", "mon", "mon_allow_pool_delete"], T, None)).StdoutText.Trim());
            Assert.Contains(await ceph.ConfigDumpAsync(None), e => e is { Section: "mon", Name: "mon_allow_pool_delete", Value: "false" });

            Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.DeletePoolAsync(pool, allowTemporarily: false, None));
        }
        finally
        {
            await host.RunCheckedAsync(["ceph", "config", "set", "mon", "mon_allow_pool_delete", "true"], T, None);
            await ceph.DeletePoolAsync(pool, allowTemporarily: true, None);
        }
    }

    [Fact]
    public async Task MissingPoolsAndOsdsAreObjectNotFoundAndTheirRemovalIsAlreadyAbsent()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);
        const string nope = "mvmtest-does-not-exist";

        foreach (var call in new Func<Task>[]
                 {
                     () => ceph.GetPoolAsync(nope, None), () => ceph.GetPoolQuotaAsync(nope, None), () => ceph.SetPoolSizeAsync(nope, 2, None),
                     () => ceph.SetPoolQuotaAsync(nope, 1, null, None), () => ceph.EnableApplicationAsync(nope, "rbd", None),
                 })
        {
            var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
            Assert.Equal(("pool", nope, "h3"), (e.Kind, e.Name, e.HostName));
        }
        var osd = await Assert.ThrowsAsync<ObjectNotFoundException>(() => ceph.OsdOutAsync(4242, None));
        Assert.Equal(("OSD", "osd.4242"), (osd.Kind, osd.Name));
        output.WriteLine(osd.Message);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => ceph.OsdInAsync(4242, None));
        var rule = await Assert.ThrowsAsync<ObjectNotFoundException>(() => ceph.CreatePoolAsync(new PoolCreateOptions(nope) { CrushRule = "no-such-rule" }, None));
        Assert.Equal(("CRUSH rule", "no-such-rule"), (rule.Kind, rule.Name));

        Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.DeletePoolAsync(nope, allowTemporarily: false, None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.OsdPurgeAsync(4242, None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.OsdCrushRemoveAsync("osd.4242", None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.AuthDelAsync("osd.4242", None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await ceph.MonRemoveAsync("nosuch", None));
        await Assert.ThrowsAsync<Core.PreconditionFailedException>(() => ceph.MonRemoveAsync("h3", None));
        await Assert.ThrowsAsync<Core.PreconditionFailedException>(() => ceph.OsdCrushRemoveAsync("h3", None));
    }

    [Fact]
    public async Task OkToStopAndSafeToDestroyOnTheOnlyOsdSayNotYet()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, host, output);
        var ceph = new Ceph(host);

        var stop = await ceph.OsdOkToStopAsync([cluster.OsdId], None);
        Assert.False(stop.Ok);
        Assert.Equal("EBUSY", stop.Errno);
        Assert.True(stop.NotOkPgs > 0);
        Assert.Contains("unsafe to stop", stop.Reason);
        // The host's exit code for the same question: EBUSY, which the client turned into a result.
        Assert.Equal(CephErrno.EBUSY, (await host.RunAsync(["ceph", "osd", "ok-to-stop", cluster.OsdId.ToString(), "-f", "json"], null, T, None)).ExitCode);

        var destroy = await ceph.OsdSafeToDestroyAsync([cluster.OsdId], None);
        Assert.False(destroy.Safe);
        Assert.Contains(cluster.OsdId, destroy.Active);
        output.WriteLine($"ok-to-stop: {stop.Reason}; safe-to-destroy: {destroy.Reason}");
    }

    [Fact]
    public async Task AnUnreachableClusterIsReportedAsSuchNotAsMissing()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        var wrong = new CephContext { KeyringPath = "/etc/ceph/no-such.keyring", ConnectTimeout = TimeSpan.FromSeconds(5) };

        var e = await Assert.ThrowsAsync<CephUnreachableException>(() => new Ceph(host, wrong).GetPoolQuotaAsync("mvmtest-any", None));
        Assert.Contains("no keyring found at /etc/ceph/no-such.keyring", e.Message);
        var r = await Assert.ThrowsAsync<CephUnreachableException>(() => new Rbd(host, wrong).ListAsync("mvmtest-any", null, None));
        Assert.Equal("rbd", r.Tool);
        output.WriteLine(e.Message);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; a test wants the callbacks in order, at once.</summary>
    private sealed class Progress(Action<PgSummary> report) : IProgress<PgSummary>
    {
        public void Report(PgSummary value) => report(value);
    }
}
