using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Core;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>The `ceph` client: exact argv, parsing of real Ceph 16.2.15 output, and its error mapping.</summary>
public class CephTests
{
    private const string V = "ceph-16.2.15-";
    private static readonly CancellationToken None = CancellationToken.None;

    private static Ceph Client(string fixture, out ScriptedHost host)
    {
        host = Always(V + fixture);
        return new Ceph(host);
    }

    [Fact]
    public void BuildsArgvWithTheClientContextAndJsonOutput()
    {
        var host = Always(V + "osd-tree");
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "tree", "-f", "json"], new Ceph(host).Argv("osd", "tree"));

        var context = new CephContext
        {
            Cluster = "lab",
            ConfPath = "/etc/ceph/lab.conf",
            ClientName = "client.mvm",
            KeyringPath = "/etc/ceph/lab.client.mvm.keyring",
            ConnectTimeout = TimeSpan.FromMilliseconds(4500),
        };
        Assert.Equal(
            ["ceph", "--cluster", "lab", "--conf", "/etc/ceph/lab.conf", "--name", "client.mvm", "--keyring", "/etc/ceph/lab.client.mvm.keyring",
             "--connect-timeout", "5", "status", "-f", "json"],
            new Ceph(host, context).Argv("status"));
    }

    [Fact]
    public void RejectsAContextThatWouldMisleadTheCli()
    {
        var host = Always(V + "osd-tree");
        Assert.Throws<ArgumentException>(() => new Ceph(host, new CephContext { KeyringPath = "ceph.keyring" }));
        Assert.Throws<ArgumentException>(() => new Ceph(host, new CephContext { ConfPath = "etc/ceph.conf" }));
        Assert.Throws<ArgumentException>(() => new Ceph(host, new CephContext { ClientName = "admin" }));
        Assert.Throws<ArgumentException>(() => new Ceph(host, new CephContext { Cluster = "a b" }));
        Assert.Throws<ArgumentException>(() => new Ceph(host, new CephContext { ConnectTimeout = TimeSpan.Zero }));
    }

    [Fact]
    public async Task ReadsStatusWithAWarningAndAllPgsActiveClean()
    {
        var ceph = Client("status-pool-no-redundancy", out var host);
        var s = await ceph.StatusAsync(None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "status", "-f", "json"], host.Calls.Single());
        Assert.Equal("8061f588-4e8c-45ca-93c1-6b8465267382", s.Fsid);
        Assert.Equal("HEALTH_WARN", s.Health.Status);
        Assert.False(s.Health.IsOk);
        var check = Assert.Single(s.Health.Checks);
        Assert.Equal(("POOL_NO_REDUNDANCY", "HEALTH_WARN", "2 pool(s) have no replicas configured", 2, false),
            (check.Code, check.Severity, check.Summary, check.Count, check.Muted));
        Assert.Equal("HEALTH_WARN: POOL_NO_REDUNDANCY (2 pool(s) have no replicas configured)", s.Health.ToString());
        Assert.Equal(["h3"], s.QuorumNames);
        Assert.Equal(1, s.MonCount);
        Assert.Equal((1, 1, 1), (s.OsdMap.NumOsds, s.OsdMap.NumUpOsds, s.OsdMap.NumInOsds));
        Assert.Equal((9, 9, 100.0), (s.Pgs.NumPgs, s.Pgs.ActiveClean, s.Pgs.ActiveCleanPercent));
        Assert.True(s.Pgs.AllActiveClean);
        Assert.Equal((6442450944L, 6137614336L), (s.Pgs.BytesTotal, s.Pgs.BytesAvail));
        Assert.Equal(2, s.NumPools);
        Assert.True(s.MgrAvailable);
    }

    [Fact]
    public void StalePgsAreNotActiveClean()
    {
        // With the only OSD stopped, Ceph still calls 17 PGs "stale+active+clean": their last
        // known state. They serve nothing, so they must not count towards "active+clean".
        var s = Ceph.ParseStatus(CapturedRun.StdoutOf(V + "status-osd-down"));
        Assert.Equal(["OSD_DOWN", "OSD_HOST_DOWN", "OSD_ROOT_DOWN"], s.Health.Checks.Select(c => c.Code));
        Assert.Equal((1, 0, 1), (s.OsdMap.NumOsds, s.OsdMap.NumUpOsds, s.OsdMap.NumInOsds));
        Assert.Equal((49, 32), (s.Pgs.NumPgs, s.Pgs.ActiveClean));
        Assert.False(s.Pgs.AllActiveClean);
        Assert.Equal("32/49 PGs active+clean (65.3%); 17 stale+active+clean", s.Pgs.Describe());
    }

    [Fact]
    public void PgStatGivesTheActiveCleanShareWhilePgsPeerOrAreCreated()
    {
        var peering = Ceph.ParsePgStat(CapturedRun.StdoutOf(V + "pg-stat-peering"));
        Assert.Equal((17, 5, false), (peering.NumPgs, peering.ActiveClean, peering.AllActiveClean));
        Assert.Equal(29.4, Math.Round(peering.ActiveCleanPercent, 1));
        Assert.Equal("5/17 PGs active+clean (29.4%); 12 peering", peering.Describe());

        var creating = Ceph.ParsePgStat(CapturedRun.StdoutOf(V + "pg-stat-creating"));
        Assert.Equal("17/49 PGs active+clean (34.7%); 32 unknown", creating.Describe());

        var clean = Ceph.ParsePgStat(CapturedRun.StdoutOf(V + "pg-stat-active-clean"));
        Assert.True(clean.AllActiveClean);
        Assert.Equal((6442450944L, 304975872L, 6137475072L), (clean.BytesTotal, clean.BytesUsed, clean.BytesAvail));

        // Scrubbing and snapshot trimming happen on healthy PGs; waiting for them would never end.
        Assert.True(new PgStateCount("active+clean+scrubbing+deep", 1).IsActiveClean);
        Assert.False(new PgStateCount("active+undersized+degraded", 1).IsActiveClean);
        Assert.False(new PgStateCount("active+clean+remapped", 1).IsActiveClean);
        Assert.Equal(100, new PgSummary(0, [], 0, 0, 0, 0, true).ActiveCleanPercent);
    }

    [Fact]
    public async Task HealthDetailCarriesThePerObjectLines()
    {
        var h = await Client("health-detail-osd-down", out _).HealthDetailAsync(None);
        Assert.Equal(["osd.0 (root=default,host=h3) is down"], h.Find("OSD_DOWN")!.Details);
        Assert.Equal(["host h3 (root=default) (1 osds) is down"], h.Find("OSD_HOST_DOWN")!.Details);
        var warn = Ceph.ParseStatus(CapturedRun.StdoutOf(V + "status-pool-no-redundancy"));
        Assert.Empty(warn.Health.Checks.Single().Details); // `status` has summaries only
    }

    [Fact]
    public async Task WaitsForActiveCleanAndReportsEachReading()
    {
        var host = Replies(Captured(V + "pg-stat-peering"), Captured(V + "pg-stat-creating"), Captured(V + "pg-stat-active-clean"));
        var seen = new List<string>();
        var done = await new Ceph(host).WaitForPgsActiveCleanAsync(TimeSpan.FromMinutes(1), new SyncProgress<PgSummary>(p => seen.Add(p.Describe())), None,
            TimeSpan.FromMilliseconds(1));
        Assert.True(done.AllActiveClean);
        Assert.Equal(["5/17 PGs active+clean (29.4%); 12 peering", "17/49 PGs active+clean (34.7%); 32 unknown", "17/17 PGs active+clean (100%)"], seen);
        Assert.All(host.Calls, c => Assert.Equal(["ceph", "--connect-timeout", "30", "pg", "stat", "-f", "json"], c));

        var stuck = Always(V + "pg-stat-osd-down");
        var e = await Assert.ThrowsAsync<CephWaitTimedOutException>(() => new Ceph(stuck).WaitForPgsActiveCleanAsync(TimeSpan.Zero, null, None));
        Assert.Contains("32/49 PGs active+clean (65.3%); 17 stale+active+clean", e.Message);
        Assert.Contains("h3", e.Message);
    }

    [Fact]
    public async Task DrainingWaitsForSafeToDestroyNotJustActiveClean()
    {
        // Right after `osd out`, pg stat still says all active+clean while the OSD still maps PGs:
        // safe-to-destroy must say yes too.
        var host = Replies(Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-active"), Captured(V + "pg-stat-peering"),
            Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-safe"), Captured(V + "osd-tree-one-out-up"),
            Captured(V + "tell-osd-status-no-pgs"));
        var seen = new List<double>();
        var safe = await new Ceph(host).WaitForOsdsDrainedAsync([1], TimeSpan.FromMinutes(1), new SyncProgress<PgSummary>(p => seen.Add(Math.Round(p.ActiveCleanPercent, 1))),
            None, TimeSpan.FromMilliseconds(1));
        Assert.True(safe.Safe);
        Assert.Equal([100, 29.4, 100], seen);
        Assert.Equal(7, host.Calls.Count);

        var stuck = Replies(Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-active"));
        var e = await Assert.ThrowsAsync<CephWaitTimedOutException>(() => new Ceph(stuck).WaitForOsdsDrainedAsync([1], TimeSpan.Zero, null, None));
        Assert.Contains("osd.1 drained and safe to destroy", e.Message);
        Assert.Contains("osd.1 still serve PGs", e.Message);
    }

    [Fact]
    public async Task DrainingWaitsUntilTheOsdItselfHoldsNoPg()
    {
        // Safe-to-destroy said yes 0.6 s after `osd out` in CI while osd.1 was the only holder of two PGs
        // recovering by log (the manager zeroes an out OSD's stats): only the daemon's own count ends the wait.
        var host = Replies(Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-safe"), Captured(V + "osd-tree-one-out-up"),
            Captured(V + "tell-osd-status-holding-pgs"), Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-safe"),
            Captured(V + "osd-tree-one-out-up"), Captured(V + "tell-osd-status-no-pgs"));
        var safe = await new Ceph(host).WaitForOsdsDrainedAsync([1], TimeSpan.FromMinutes(1), null, None, TimeSpan.FromMilliseconds(1));
        Assert.True(safe.Safe);
        Assert.Equal(8, host.Calls.Count);
        Assert.Equal(["ceph", "--connect-timeout", "30", "tell", "osd.1", "status", "-f", "json"], host.Calls[3]);

        var holding = Replies(Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-safe"), Captured(V + "osd-tree-one-out-up"),
            Captured(V + "tell-osd-status-holding-pgs"));
        var e = await Assert.ThrowsAsync<CephWaitTimedOutException>(() => new Ceph(holding).WaitForOsdsDrainedAsync([1], TimeSpan.Zero, null, None));
        Assert.Contains("osd.1 still holds 10 PG(s)", e.Message);

        // A daemon that is up in the map but does not answer is not taken as empty.
        var silent = Replies(Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-safe"), Captured(V + "osd-tree-one-out-up"),
            Reply(2, "\n", "Error ENXIO: problem getting command descriptions from osd.1\n"));
        e = await Assert.ThrowsAsync<CephWaitTimedOutException>(() => new Ceph(silent).WaitForOsdsDrainedAsync([1], TimeSpan.Zero, null, None));
        Assert.Contains("osd.1 is up but did not answer", e.Message);

        // A down OSD cannot be asked; its data comes back from the other copies, so Ceph's answer stands.
        var down = Replies(Captured(V + "pg-stat-active-clean"), Captured(V + "osd-safe-to-destroy-safe"), Captured(V + "osd-tree-one-out-down"));
        Assert.True((await new Ceph(down).WaitForOsdsDrainedAsync([1], TimeSpan.FromMinutes(1), null, None)).Safe);
        Assert.Equal(3, down.Calls.Count);
    }

    [Fact]
    public async Task ReadsTheOsdTreeWithHostsUpDownInAndOut()
    {
        var tree = await Client("osd-tree", out _).OsdTreeAsync(None);
        var osd = Assert.Single(tree.Osds);
        Assert.Equal((0, "osd.0", "hdd", "h3", true, true, true), (osd.Id, osd.Name, osd.DeviceClass, osd.Host, osd.Up, osd.In, osd.Exists));
        Assert.Equal(0.005889892578125, osd.CrushWeight);
        Assert.Equal(["h3"], tree.Hosts.Select(h => h.Name));
        Assert.Equal("root", tree.FindBucket("default")!.Type);

        var two = Ceph.ParseOsdTree(CapturedRun.StdoutOf(V + "osd-tree-one-out-down"));
        var out1 = two.FindOsd(1)!;
        Assert.Equal(("down", false, false, 0.0), (out1.Status, out1.Up, out1.In, out1.Reweight));
        Assert.Equal([0, 1], two.OsdsOnHost("h3").Select(o => o.Id));
        Assert.Empty(two.Stray);
    }

    [Fact]
    public async Task ReadsOsdDfInBytes()
    {
        var df = await Client("osd-df", out var host).OsdDfAsync(None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "df", "-f", "json"], host.Calls.Single());
        var u = df.Find(0)!;
        Assert.Equal((6442450944L, 297724L * 1024, 5993732L * 1024, 9, "up"), (u.SizeBytes, u.UsedBytes, u.AvailBytes, u.Pgs, u.Status));
        Assert.Equal(4.73, Math.Round(u.UtilizationPercent, 2));
        Assert.Equal(6442450944L, df.TotalBytes);
    }

    [Fact]
    public async Task OkToStopAnswersNotYetAsAResult()
    {
        // Exit 16 (EBUSY) with JSON on stdout: the real "not now" answer for the only OSD of a size-1 pool.
        var busy = await Client("osd-ok-to-stop-ebusy", out var host).OsdOkToStopAsync([0], None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "ok-to-stop", "0", "-f", "json"], host.Calls.Single());
        Assert.False(busy.Ok);
        Assert.Equal(("EBUSY", "unsafe to stop osd(s) at this time (9 PGs are or would become offline)"), (busy.Errno, busy.Reason));
        Assert.Equal((0, 9), (busy.OkPgs, busy.NotOkPgs));
        Assert.Equal(9, busy.BadBecomeInactive.Count);
        Assert.Equal(8, busy.BadAlreadyInactive.Count);

        var degraded = await Client("osd-ok-to-stop-ebusy-degraded", out _).OsdOkToStopAsync([1], None);
        Assert.Equal((false, 16, 1), (degraded.Ok, degraded.OkPgs, degraded.NotOkPgs));
        Assert.Equal(16, degraded.OkBecomeDegraded.Count);

        // Ceph says yes for an id that does not exist: stopping nothing is safe.
        var missing = await Client("osd-ok-to-stop-missing-osd", out _).OsdOkToStopAsync([9], None);
        Assert.Equal((true, null, null), (missing.Ok, missing.Errno, missing.Reason));
        Assert.Equal([9], missing.Osds);

        var eagain = await new Ceph(Replies(Reply(11, "", "Error EAGAIN: pg stats are not available yet\n"))).OsdOkToStopAsync([2], None);
        Assert.Equal((false, "EAGAIN", "pg stats are not available yet"), (eagain.Ok, eagain.Errno, eagain.Reason));

        var other = await Assert.ThrowsAsync<RemoteCommandFailedException>(() =>
            new Ceph(Replies(Reply(22, "", "Error EINVAL: bad osd id\n"))).OsdOkToStopAsync([2], None));
        Assert.Equal(22, other.ExitCode);
    }

    [Fact]
    public async Task SafeToDestroySortsTheOsdsIntoSafeAndNotYet()
    {
        var active = await Client("osd-safe-to-destroy-active", out var host).OsdSafeToDestroyAsync([1], None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "safe-to-destroy", "1", "-f", "json"], host.Calls.Single());
        Assert.False(active.Safe);
        Assert.Equal([1], active.Active);
        Assert.Equal("osd.1 still serve PGs (PGs map to them)", active.Reason);
        Assert.Null(active.Errno);

        var safe = await Client("osd-safe-to-destroy-safe", out _).OsdSafeToDestroyAsync([1], None);
        Assert.Equal((true, null), (safe.Safe, safe.Reason));
        Assert.Equal([1], safe.SafeToDestroy);

        // Without -f json (or on releases that still exit EBUSY) the answer is the error line.
        var plain = CapturedRun.Load(V + "osd-safe-to-destroy-plain-ebusy");
        var parsed = await new Ceph(Replies(_ => plain.As(_))).OsdSafeToDestroyAsync([1], None);
        Assert.Equal((false, "EBUSY", "OSD(s) 1 have 17 pgs currently mapped to them."), (parsed.Safe, parsed.Errno, parsed.Reason));
    }

    [Fact]
    public async Task MarkingAMissingOsdOutIsNotFoundEvenThoughCephExitsZero()
    {
        var ok = Client("osd-out", out var host);
        await ok.OsdOutAsync(1, None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "out", "1", "-f", "json"], host.Calls.Single());
        await Client("osd-out-already", out _).OsdOutAsync(0, None); // idempotent
        await Client("osd-in-already", out _).OsdInAsync(0, None);

        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("osd-out-missing", out _).OsdOutAsync(9, None));
        Assert.Equal(("OSD", "osd.9", "ceph", "h3"), (e.Kind, e.Name, e.Tool, e.HostName));
        Assert.Equal("OSD \"osd.9\" does not exist on h3 (ceph: osd.9 does not exist.)", e.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ok.OsdOutAsync(-1, None));
    }

    [Fact]
    public async Task RemovalsSayWhetherSomethingWasThere()
    {
        var purge = Client("osd-purge", out var host);
        Assert.Equal(RemovalOutcome.Removed, await purge.OsdPurgeAsync(1, None));
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "purge", "1", "--yes-i-really-mean-it", "-f", "json"], host.Calls.Single());
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("osd-purge-missing", out _).OsdPurgeAsync(1, None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("osd-crush-remove-missing", out _).OsdCrushRemoveAsync("osd.9", None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("auth-del-missing", out _).AuthDelAsync("osd.9", None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("mon-remove-missing", out _).MonRemoveAsync("nosuch", None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("mgr-fail-missing", out var mgrHost).MgrFailAsync("nosuchmgr", None));
        Assert.Equal(["ceph", "--connect-timeout", "30", "mgr", "fail", "nosuchmgr", "-f", "json"], mgrHost.Calls.Single());
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("osd-pool-delete-missing", out _).DeletePoolAsync("nope", false, None));
        Assert.Equal(RemovalOutcome.Removed, await Client("osd-pool-delete", out _).DeletePoolAsync("t3", false, None));

        // Refusals that need the caller to do something first.
        var up = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => Client("osd-purge-up", out _).OsdPurgeAsync(0, None));
        Assert.Equal(16, up.ExitCode);
        Assert.Contains("osd.0 is not `down`", up.Message);
        var bucket = await Assert.ThrowsAsync<PreconditionFailedException>(() => Client("osd-crush-rm-host-not-empty", out _).OsdCrushRemoveAsync("h3", None));
        Assert.Contains("CRUSH bucket \"h3\" on h3 still holds OSDs", bucket.Message);
        var last = await Assert.ThrowsAsync<PreconditionFailedException>(() => Client("mon-remove-last", out _).MonRemoveAsync("h3", None));
        Assert.Contains("refusing removal of last monitor h3", last.Message);
    }

    [Fact]
    public async Task ReadsPoolsWithApplicationsAndQuotas()
    {
        var pools = await Client("osd-pool-ls-detail", out var host).PoolListAsync(None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "pool", "ls", "detail", "-f", "json"], host.Calls.Single());
        Assert.Equal(["device_health_metrics", "t1"], pools.Select(p => p.Name));
        var t1 = pools[1];
        Assert.Equal((2, CephPoolType.Replicated, 1, 1, 16, 16, 16, 16), (t1.Id, t1.Type, t1.Size, t1.MinSize, t1.PgNum, t1.PgpNum, t1.PgNumTarget, t1.PgpNumTarget));
        Assert.Equal((1073741824L, 1000L, CephAutoscaleMode.Off, 0), (t1.QuotaMaxBytes, t1.QuotaMaxObjects, t1.AutoscaleMode, t1.CrushRule));
        Assert.Equal(["rbd"], t1.Applications.Keys);
        Assert.Equal(["hashpspool", "selfmanaged_snaps"], t1.Flags);
        Assert.Null(t1.ErasureCodeProfile);
        Assert.Equal(CephAutoscaleMode.On, pools[0].AutoscaleMode);
        Assert.Equal(["mgr_devicehealth"], pools[0].Applications.Keys);

        Assert.Equal("t1", (await Client("osd-pool-ls-detail", out _).GetPoolAsync("t1", None)).Name);
        Assert.Null(await Client("osd-pool-ls-detail", out _).FindPoolAsync("gone", None));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("osd-pool-ls-detail", out _).GetPoolAsync("gone", None));
        Assert.Equal(("pool", "gone"), (e.Kind, e.Name));
    }

    [Fact]
    public async Task QuotaOfAPoolTooNewForStatsIsAskedAgain()
    {
        // The stderr is what the lab's monitors said for a pool created a moment before (cluster lifecycle test).
        var host = ScriptedHost.Replies(ScriptedHost.Reply(2, "\n", "Error ENOENT: no stats for pool 't1'\n"), ScriptedHost.Captured("ceph-16.2.15-osd-pool-get-quota"));
        var q = await new Ceph(host).GetPoolQuotaAsync("t1", None);
        Assert.Equal(2, host.Calls.Count);
        Assert.Equal(1073741824L, q.MaxBytes);
    }

    [Fact]
    public async Task ReadsQuotasAndMapsAnUnknownPool()
    {
        var q = await Client("osd-pool-get-quota", out var host).GetPoolQuotaAsync("t1", None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "pool", "get-quota", "t1", "-f", "json"], host.Calls.Single());
        Assert.Equal(("t1", 2, 1073741824L, 1000L, 0L, 0L), (q.PoolName, q.PoolId, q.MaxBytes, q.MaxObjects, q.CurrentBytes, q.CurrentObjects));

        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("osd-pool-get-quota-missing", out _).GetPoolQuotaAsync("nope", None));
        Assert.Equal(("pool", "nope"), (e.Kind, e.Name));
        Assert.Contains("Error ENOENT: unrecognized pool 'nope'", e.Message);
    }

    [Fact]
    public async Task CreatesPoolsWithNamedArgumentsAndTellsWhenItAlreadyExisted()
    {
        var ceph = Client("osd-pool-create", out var host);
        Assert.True(await ceph.CreatePoolAsync(new PoolCreateOptions("t3") { PgNum = 8, AutoscaleMode = CephAutoscaleMode.Off }, None));
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "pool", "create", "t3", "--pg_num", "8", "--pool_type", "replicated", "--autoscale_mode", "off", "-f", "json"],
            host.Calls.Single());
        // The captured run used exactly these words.
        Assert.Equal(CapturedRun.Load(V + "osd-pool-create").Argv[1..], host.Calls.Single()[3..]);

        Assert.Equal(["osd", "pool", "create", "ec", "--pg_num", "32", "--pgp_num", "32", "--pool_type", "erasure", "--erasure_code_profile", "k2m1",
            "--rule", "ec-rule", "--size", "3", "--autoscale_mode", "warn"],
            Ceph.PoolCreateCommand(new PoolCreateOptions("ec")
            {
                PgNum = 32, PgpNum = 32, Type = CephPoolType.Erasure, ErasureCodeProfile = "k2m1", CrushRule = "ec-rule", Size = 3, AutoscaleMode = CephAutoscaleMode.Warn,
            }));

        Assert.False(await Client("osd-pool-create-exists", out _).CreatePoolAsync(new PoolCreateOptions("t1") { PgNum = 8 }, None));

        // ENOENT here is about the rule, not the pool being created.
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() =>
            Client("osd-pool-create-missing-rule", out _).CreatePoolAsync(new PoolCreateOptions("t4") { PgNum = 8, CrushRule = "nosuchrule" }, None));
        Assert.Equal(("CRUSH rule", "nosuchrule"), (e.Kind, e.Name));

        Assert.Throws<ArgumentException>(() => Ceph.PoolCreateCommand(new PoolCreateOptions("-rf")));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ceph.PoolCreateCommand(new PoolCreateOptions("p") { PgNum = 0 }));
    }

    [Fact]
    public async Task SetsPoolSettingsAndQuotas()
    {
        var host = Replies(Captured(V + "osd-pool-set-size"), Captured(V + "osd-pool-set-size"), Captured(V + "osd-pool-set-pg-num"),
            Captured(V + "osd-pool-set-pg-num"), Captured(V + "osd-pool-set-quota"), Captured(V + "osd-pool-set-quota"),
            Captured(V + "osd-pool-application-enable-same"), Captured(V + "osd-pool-application-disable-not-enabled"), Captured(V + "osd-pool-set-pg-num"));
        var ceph = new Ceph(host);
        await ceph.SetPoolSizeAsync("t3", 2, None);
        await ceph.SetPoolSizeAsync("t3", 1, None);
        await ceph.SetPoolMinSizeAsync("t3", 1, None);
        await ceph.SetPoolPgNumAsync("t3", 16, None);
        await ceph.SetPoolQuotaAsync("t3", 1073741824, 0, None);
        await ceph.EnableApplicationAsync("t3", "rbd", None);
        await ceph.DisableApplicationAsync("t3", "rgw", None);
        await ceph.SetPoolAutoscaleModeAsync("t3", CephAutoscaleMode.On, None);
        string[] P(params string[] words) => ["ceph", "--connect-timeout", "30", .. words, "-f", "json"];
        Assert.Equal([
            P("osd", "pool", "set", "t3", "size", "2"),
            P("osd", "pool", "set", "t3", "size", "1", "--yes-i-really-mean-it"),
            P("osd", "pool", "set", "t3", "min_size", "1"),
            P("osd", "pool", "set", "t3", "pg_num", "16"),
            P("osd", "pool", "set-quota", "t3", "max_bytes", "1073741824"),
            P("osd", "pool", "set-quota", "t3", "max_objects", "0"),
            P("osd", "pool", "application", "enable", "t3", "rbd"),
            P("osd", "pool", "application", "disable", "t3", "rgw", "--yes-i-really-mean-it"),
            P("osd", "pool", "set", "t3", "pg_autoscale_mode", "on"),
        ], host.Calls);
    }

    [Fact]
    public async Task PoolSettingFailuresAreTyped()
    {
        var missing = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("osd-pool-set-missing", out _).SetPoolSizeAsync("nope", 2, None));
        Assert.Equal(("pool", "nope"), (missing.Kind, missing.Name));
        var app = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("osd-pool-application-enable-missing", out _).EnableApplicationAsync("nope", "rbd", None));
        Assert.Equal(("pool", "nope"), (app.Kind, app.Name));

        var size1 = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => Client("osd-pool-set-size-1-refused", out _).SetPoolSizeAsync("t1", 1, None));
        Assert.Equal(1, size1.ExitCode);
        Assert.Contains("configuring pool size as 1 is disabled by default", size1.Message);
        var invalid = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => Client("osd-pool-set-min-size-invalid", out _).SetPoolMinSizeAsync("t1", 5, None));
        Assert.Equal(CephErrno.EINVAL, invalid.ExitCode);
        Assert.Contains("pool min_size must be between 1 and size", invalid.Message);
        var second = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => Client("osd-pool-application-enable-second", out _).EnableApplicationAsync("t1", "rgw", None));
        Assert.Equal(CephErrno.EPERM, second.ExitCode);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Client("osd-pool-set-size", out _).SetPoolQuotaAsync("t1", -1, null, None));
    }

    [Fact]
    public async Task PoolDeletionDisabledIsRefusedUnlessAllowedAndThenTheSwitchGoesBack()
    {
        var refused = await Assert.ThrowsAsync<PoolDeletionDisabledException>(() =>
            Client("osd-pool-delete-disabled", out _).DeletePoolAsync("deltest", allowTemporarily: false, None));
        Assert.Contains("pool deletion is disabled", refused.Message);
        Assert.Contains("mon_allow_pool_delete", refused.Message);

        // No entry of its own before: switched on for the deletion, then removed again.
        var host = Replies(Captured(V + "osd-pool-delete-disabled"), Reply(0, "[]"), Reply(0), Captured(V + "osd-pool-delete"), Captured(V + "config-rm-unknown-option"));
        Assert.Equal(RemovalOutcome.Removed, await new Ceph(host).DeletePoolAsync("t3", allowTemporarily: true, None));
        string[] P(params string[] words) => ["ceph", "--connect-timeout", "30", .. words, "-f", "json"];
        Assert.Equal([
            P("osd", "pool", "delete", "t3", "t3", "--yes-i-really-really-mean-it"),
            P("config", "dump"),
            ["ceph", "--connect-timeout", "30", "-f", "json", "config", "set", "mon", "mon_allow_pool_delete", "--", "true"],
            P("osd", "pool", "delete", "t3", "t3", "--yes-i-really-really-mean-it"),
            P("config", "rm", "mon", "mon_allow_pool_delete"),
        ], host.Calls);

        // An explicit "false" for mon before: that value is put back, even when the deletion fails.
        const string dump = """[{"section":"mon","name":"mon_allow_pool_delete","value":"false","level":"advanced","can_update_at_runtime":true,"mask":""}]""";
        var failing = Replies(Captured(V + "osd-pool-delete-disabled"), Reply(0, dump), Reply(0), Reply(16, "", "Error EBUSY: pool 't3' is in use by CephFS\n"), Reply(0));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => new Ceph(failing).DeletePoolAsync("t3", true, None));
        Assert.Equal(16, e.ExitCode);
        Assert.Equal(["ceph", "--connect-timeout", "30", "-f", "json", "config", "set", "mon", "mon_allow_pool_delete", "--", "false"], failing.Calls[^1]);
    }

    [Fact]
    public async Task ReadsTheMonitorMapAndConfigDatabase()
    {
        var map = await Client("mon-dump", out var host).MonDumpAsync(None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "mon", "dump", "-f", "json"], host.Calls.Single());
        Assert.Equal((1, "8061f588-4e8c-45ca-93c1-6b8465267382"), (map.Epoch, map.Fsid));
        var h3 = map.Find("h3")!;
        Assert.Equal([new MonAddress("v2", "10.20.1.13:3300"), new MonAddress("v1", "10.20.1.13:6789")], h3.Addresses);
        Assert.Equal(("10.20.1.13", "10.20.1.13:6789/0", 0), (h3.Ip, h3.LegacyAddress, h3.Rank));
        Assert.True(map.InQuorum("h3"));
        Assert.False(map.InQuorum("h1"));

        var config = Ceph.ParseConfigDump(CapturedRun.StdoutOf(V + "config-dump"));
        Assert.Contains(new CephConfigEntry("mon", "mon_allow_pool_delete", "true", ""), config);
    }

    [Fact]
    public async Task AnUnreachableClusterIsNeverNotFound()
    {
        // A missing ceph.conf is reported by librados as "ObjectNotFound(…)": not a missing pool.
        var noConf = await Assert.ThrowsAsync<CephUnreachableException>(() => Client("status-no-conf", out _).StatusAsync(None));
        Assert.Contains("Error initializing cluster client", noConf.Message);
        var noKeyring = await Assert.ThrowsAsync<CephUnreachableException>(() => Client("status-no-keyring", out _).GetPoolQuotaAsync("t1", None));
        Assert.Contains("no keyring found at /etc/ceph/nosuch.keyring", noKeyring.Message);
        Assert.Contains("[errno 2] RADOS object not found (error connecting to the cluster)", noKeyring.Message);
        var monDown = await Assert.ThrowsAsync<CephUnreachableException>(() => Client("status-mon-down", out _).OsdTreeAsync(None));
        Assert.Contains("could not reach the Ceph cluster (timed out)", monDown.Message);
        Assert.Equal("h3", monDown.HostName);
    }

    [Fact]
    public async Task AMissingCliSaysWhichPackageToInstall()
    {
        var e = await Assert.ThrowsAsync<ToolMissingException>(() => new Ceph(Replies(Reply(127, "", "bash: ceph: command not found\n"))).StatusAsync(None));
        Assert.Equal(("ceph", "ceph-common"), (e.Tool, e.Package));
    }

    [Fact]
    public async Task NamesThatLookLikeOptionsNeverReachTheCli()
    {
        var ceph = Client("osd-pool-set-size", out var host);
        await Assert.ThrowsAsync<ArgumentException>(() => ceph.SetPoolSizeAsync("--yes-i-really-mean-it", 2, None));
        await Assert.ThrowsAsync<ArgumentException>(() => ceph.DeletePoolAsync("a b", true, None));
        await Assert.ThrowsAsync<ArgumentException>(() => ceph.AuthDelAsync("", None));
        Assert.Empty(host.Calls);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the callbacks in order, at once.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Fact]
    public async Task ReadsTheOsdMapsFullnessRatiosFlagsAndIds()
    {
        var ceph = Client("osd-dump", out var host);
        var dump = await ceph.OsdDumpAsync(None);
        Assert.Equal(["ceph", "--connect-timeout", "30", "osd", "dump", "-f", "json"], host.Calls.Single());
        // Ceph stores the ratios as floats: 0.85 comes back as 0.85000002384185791.
        Assert.Equal((0.95, 0.90, 0.85), (Math.Round(dump.FullRatio, 6), Math.Round(dump.BackfillfullRatio, 6), Math.Round(dump.NearfullRatio, 6)));
        Assert.Contains("sortbitwise", dump.Flags);
        Assert.Equal([0], dump.OsdIds);
        Assert.True(dump.Epoch > 0);
    }
}
