using System.Text.Json;
using Mvm.Core;

namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>`ceph osd tree`: CRUSH buckets (root, hosts) and OSDs with up/down, in/out and weights.</summary>
    public async Task<OsdTree> OsdTreeAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["osd", "tree"], "cluster", "osd tree", ct).ConfigureAwait(false);
        return ParseOsdTree(r.StdoutText);
    }

    /// <summary>`ceph osd df`: capacity, use and PG count per OSD.</summary>
    public async Task<OsdDf> OsdDfAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["osd", "df"], "cluster", "osd df", ct).ConfigureAwait(false);
        return ParseOsdDf(r.StdoutText);
    }

    /// <summary>
    /// `ceph osd dump`: the OSD map's epoch, fullness ratios and cluster-wide flags (noout, norebalance …).
    /// </summary>
    public async Task<OsdDump> OsdDumpAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["osd", "dump"], "cluster", "osd dump", ct).ConfigureAwait(false);
        return ParseOsdDump(r.StdoutText);
    }

    /// <summary>
    /// `ceph osd ok-to-stop`: would stopping these OSDs make any PG unavailable? Ceph answers "no,
    /// not now" with EBUSY (or EAGAIN while it lacks PG stats); that is a result (<see
    /// cref="OkToStopResult.Ok"/> false with Ceph's reason), not an error. Ceph says yes for ids
    /// that do not exist: stopping nothing is always safe.
    /// </summary>
    public async Task<OkToStopResult> OsdOkToStopAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        if (ids.Count == 0) throw new ArgumentException("name at least one OSD", nameof(ids));
        var r = await RunAsync(["osd", "ok-to-stop", .. ids.Select(OsdId)], ct).ConfigureAwait(false);
        if (r.ExitCode is not (0 or CephErrno.EBUSY or CephErrno.EAGAIN)) throw CephFailure.Failed(r);
        return ParseOkToStop(r.StdoutText, r.ExitCode, r.ExitCode == 0 ? null : CephFailure.Reason(r), ids);
    }

    /// <summary>
    /// `ceph osd safe-to-destroy`: can these OSDs be destroyed without losing redundancy? With
    /// `-f json` Ceph exits 0 and sorts the ids into safe / still active / no stats yet / still
    /// storing PGs; older releases exit EBUSY or EAGAIN instead. Both are "not yet", as a result.
    /// </summary>
    public async Task<SafeToDestroyResult> OsdSafeToDestroyAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        if (ids.Count == 0) throw new ArgumentException("name at least one OSD", nameof(ids));
        var r = await RunAsync(["osd", "safe-to-destroy", .. ids.Select(OsdId)], ct).ConfigureAwait(false);
        if (r.ExitCode is not (0 or CephErrno.EBUSY or CephErrno.EAGAIN)) throw CephFailure.Failed(r);
        return ParseSafeToDestroy(r.StdoutText, r.ExitCode, r.ExitCode == 0 ? null : CephFailure.Reason(r), ids);
    }

    /// <summary>
    /// `ceph tell osd.N status`: the OSD daemon's own account, with how many PGs it holds, strays
    /// included. The manager cannot say that for an OSD that is out: it keeps an out OSD's stats
    /// zeroed (`pg dump osds` shows 0 PGs and 0 KiB for it while it still holds data), and the PG
    /// counts of `osd df` only count PGs mapped to the OSD. Null when the daemon does not answer
    /// with a count.
    /// </summary>
    public async Task<int?> OsdPgsHeldAsync(int id, CancellationToken ct)
    {
        var r = await RunAsync(["tell", "osd." + OsdId(id), "status"], ct).ConfigureAwait(false);
        return r.ExitCode == 0 ? ParseOsdPgsHeld(r.StdoutText) : null;
    }

    /// <summary>
    /// After `osd out`, waits until Ceph has moved every PG off the OSDs: all PGs active+clean,
    /// safe-to-destroy says yes, and each OSD that is up says itself that it holds no PG.
    /// Active+clean alone proves nothing here: right after `osd out`, `pg stat` still shows the
    /// all-clean picture from before (the PGs have not re-peered in the new OSD map yet), which the
    /// lab saw as "100% active+clean" with 9 PGs still on the OSD. Safe-to-destroy alone is not
    /// enough either: the manager keeps an out OSD's stats zeroed, so to Ceph it "stores no PGs",
    /// while PGs that recover by log from it (it is then a stray, in neither up nor acting) can
    /// already look clean. CI lost two PGs that way after an interrupted removal resumed 0.6 s
    /// after the `out`. A down OSD cannot report; Ceph's own answer has to do for it, as its data
    /// can only come back from the other copies anyway.
    /// Each `pg stat` reading is reported for the engine's progress line.
    /// </summary>
    public async Task<SafeToDestroyResult> WaitForOsdsDrainedAsync(IReadOnlyCollection<int> ids, TimeSpan limit,
        IProgress<PgSummary>? progress,
        CancellationToken ct, TimeSpan? pollInterval = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        while (true)
        {
            var pgs = await PgStatAsync(ct).ConfigureAwait(false);
            progress?.Report(pgs);
            string last = pgs.Describe();
            if (pgs.AllActiveClean)
            {
                var safe = await OsdSafeToDestroyAsync(ids, ct).ConfigureAwait(false);
                var storing = safe.Safe ? await StillStoringAsync(ids, ct).ConfigureAwait(false) : safe.Reason;
                if (storing is null) return safe;
                last += "; " + storing;
            }
            if (clock.Elapsed >= limit)
                throw new CephWaitTimedOutException(_host.Name,
                    $"{string.Join(", ", ids.Select(i => "osd." + i))} drained and safe to destroy", limit, last);
            await Task.Delay(interval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why one of the OSDs that are up may still hold data by its own account, or null when none may.
    /// </summary>
    private async Task<string?> StillStoringAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        var tree = await OsdTreeAsync(ct).ConfigureAwait(false);
        foreach (var id in ids)
        {
            if (tree.FindOsd(id) is not { Up: true }) continue;
            var held = await OsdPgsHeldAsync(id, ct).ConfigureAwait(false);
            if (held is null) return $"osd.{id} is up but did not answer `ceph tell osd.{id} status` with its PG count";
            if (held > 0) return $"osd.{id} still holds {held} PG(s)";
        }
        return null;
    }

    /// <summary>`ceph osd out N`: stop placing data on the OSD, so Ceph moves its PGs elsewhere. Idempotent.</summary>
    public Task OsdOutAsync(int id, CancellationToken ct) => MarkAsync("out", id, ct);

    /// <summary>`ceph osd in N`: place data on the OSD again. Idempotent.</summary>
    public Task OsdInAsync(int id, CancellationToken ct) => MarkAsync("in", id, ct);

    private async Task MarkAsync(string verb, int id, CancellationToken ct)
    {
        var r = await RunCheckedAsync(["osd", verb, OsdId(id)], "OSD", "osd." + OsdId(id), ct).ConfigureAwait(false);
        // `osd out 9` for a missing OSD exits 0 and says "osd.9 does not exist.": the OSD the
        // caller meant is not there, which is not success.
        if (r.StderrText.Contains("does not exist", StringComparison.Ordinal)) throw CephFailure.NotFound(r, Tool,
            "OSD", "osd." + OsdId(id));
    }

    /// <summary>
    /// `ceph osd purge N --yes-i-really-mean-it`: removes the OSD from CRUSH, deletes its cephx key
    /// and removes it from the OSD map in one step. The daemon must be stopped first (Ceph refuses
    /// with EBUSY while it is up). An OSD that is already gone is <see cref="RemovalOutcome.AlreadyAbsent"/>.
    /// </summary>
    public async Task<RemovalOutcome> OsdPurgeAsync(int id, CancellationToken ct)
    {
        var r = await RunCheckedAsync(["osd", "purge", OsdId(id), "--yes-i-really-mean-it"], "OSD", "osd." + OsdId(id),
            ct).ConfigureAwait(false);
        return Removal(r);
    }

    /// <summary>
    /// `ceph osd crush remove NAME`: an OSD (`osd.3`) or an empty bucket such as a host. A bucket
    /// that still holds OSDs is refused (ENOTEMPTY) with <see cref="PreconditionFailedException"/>.
    /// </summary>
    public async Task<RemovalOutcome> OsdCrushRemoveAsync(string name, CancellationToken ct)
    {
        CheckName(name, "CRUSH item");
        var r = await RunAsync(["osd", "crush", "remove", name], ct).ConfigureAwait(false);
        if (r.ExitCode == CephErrno.ENOTEMPTY)
            throw new
                PreconditionFailedException($"CRUSH bucket \"{name}\" on {_host.Name} still holds OSDs; remove them " +
                $"before the bucket ({CephFailure.Message(r)}).");
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
        return Removal(r);
    }

    /// <summary>`ceph auth del ENTITY` (e.g. osd.3): deletes the entity's cephx key.</summary>
    public async Task<RemovalOutcome> AuthDelAsync(string entity, CancellationToken ct)
    {
        CheckName(entity, "auth entity");
        var r = await RunCheckedAsync(["auth", "del", entity], "auth entity", entity, ct).ConfigureAwait(false);
        return Removal(r);
    }

    // Ceph's removals exit 0 when there was nothing to remove and say so on stderr
    // ("osd.9 does not exist", "device 'osd.9' does not appear in the crush map").
    private static RemovalOutcome Removal(Transport.CommandResult r) =>
        r.StderrText.Contains("does not exist", StringComparison.Ordinal)
            || r.StderrText.Contains("does not appear", StringComparison.Ordinal)
            ? RemovalOutcome.AlreadyAbsent
            : RemovalOutcome.Removed;

    public static OsdTree ParseOsdTree(string json)
    {
        using var doc = CephJson.Parse(json, "ceph osd tree");
        var root = doc.RootElement;
        var nodes = root.Arr("nodes").ToList();
        var buckets = nodes.Where(n => n.Int("id") < 0)
            .Select(n => new CrushBucket(n.Int("id"), n.Str("name") ?? "", n.Str("type") ?? "", n.Ints("children")))
                .ToList();
        var parent = new Dictionary<int, CrushBucket>();
        foreach (var b in buckets)
            foreach (var child in b.Children)
                parent[child] = b;
        string? HostOf(int id)
        {
            // Walk up to the nearest host bucket (an OSD may sit under a chassis in a custom map).
            while (parent.TryGetValue(id, out var p))
            {
                if (p.Type == "host") return p.Name;
                id = p.Id;
            }
            return null;
        }
        OsdTreeOsd Osd(JsonElement n, bool stray) =>
            new(n.Int("id"), n.Str("name") ?? "osd." + n.Int("id"), n.Str("device_class"),
            n.Double("crush_weight"), n.Double("reweight"), n.Str("status") ?? "", n.Bool("exists", true),
                n.Double("primary_affinity", 1),
            stray ? null : HostOf(n.Int("id")));
        var osds = nodes.Where(n => n.Int("id") >= 0).Select(n => Osd(n, false)).ToList();
        var strays = root.Arr("stray").Select(n => Osd(n, true)).ToList();
        return new OsdTree(buckets, osds, strays);
    }

    public static OsdDump ParseOsdDump(string json)
    {
        using var doc = CephJson.Parse(json, "ceph osd dump");
        var j = doc.RootElement;
        // Ratios of 0 come from maps written before Luminous set them; Ceph's own defaults apply then.
        static double Ratio(JsonElement e, string name, double fallback) =>
            e.Double(name) is > 0 and var v ? v : fallback;
        return new OsdDump(j.Int("epoch"), Ratio(j, "full_ratio", 0.95), Ratio(j, "backfillfull_ratio", 0.90),
            Ratio(j, "nearfull_ratio", 0.85),
            (j.Str("flags") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
            j.Arr("osds").Select(o => o.Int("osd")).ToList());
    }

    public static int? ParseOsdPgsHeld(string json)
    {
        using var doc = CephJson.Parse(json, "ceph tell osd status");
        return doc.RootElement.Int("num_pgs", -1) is >= 0 and var n ? n : null;
    }

    public static OsdDf ParseOsdDf(string json)
    {
        using var doc = CephJson.Parse(json, "ceph osd df");
        var root = doc.RootElement;
        // `osd df` prints KiB; the model is in bytes like everything else.
        var osds = root.Arr("nodes").Where(n => n.Int("id") >= 0).Select(n => new OsdUsage(
            n.Int("id"), n.Str("name") ?? "", n.Str("device_class"), n.Double("crush_weight"), n.Double("reweight"),
            n.Long("kb") * 1024, n.Long("kb_used") * 1024, n.Long("kb_avail") * 1024, n.Double("utilization"),
                n.Int("pgs"), n.Str("status") ?? "")).ToList();
        var s = root.Obj("summary");
        return new OsdDf(osds, s.Long("total_kb") * 1024, s.Long("total_kb_used") * 1024,
            s.Long("total_kb_avail") * 1024, s.Double("average_utilization"));
    }

    internal static OkToStopResult ParseOkToStop(string stdout, int exitCode, string? reason,
        IReadOnlyCollection<int> asked)
    {
        // EBUSY/EAGAIN may come without JSON (older releases, or before the mgr has PG stats).
        if (string.IsNullOrWhiteSpace(stdout))
            return new OkToStopResult(false, asked.ToList(), 0, 0, [], [], [], CephErrno.Name(exitCode),
                reason ?? "Ceph gave no answer");
        using var doc = CephJson.Parse(stdout, "ceph osd ok-to-stop");
        var j = doc.RootElement;
        var ok = exitCode == 0 && j.Bool("ok_to_stop");
        return new OkToStopResult(ok, j.Ints("osds"), j.Int("num_ok_pgs"), j.Int("num_not_ok_pgs"),
            j.Strings("bad_become_inactive"),
            j.Strings("bad_already_inactive"), j.Strings("ok_become_degraded"),
                exitCode == 0 ? null : CephErrno.Name(exitCode),
            ok ? null : reason ?? $"{j.Int("num_not_ok_pgs")} PGs are or would become offline");
    }

    internal static SafeToDestroyResult ParseSafeToDestroy(string stdout, int exitCode, string? reason,
        IReadOnlyCollection<int> asked)
    {
        if (string.IsNullOrWhiteSpace(stdout))
            return new SafeToDestroyResult(false, [], [], [], [], CephErrno.Name(exitCode),
                reason ?? "Ceph gave no answer");
        using var doc = CephJson.Parse(stdout, "ceph osd safe-to-destroy");
        var j = doc.RootElement;
        var safe = j.Ints("safe_to_destroy");
        var active = j.Ints("active");
        var missing = j.Ints("missing_stats");
        var stored = j.Ints("stored_pgs");
        var all = exitCode == 0 && asked.All(safe.Contains);
        string? why = null;
        if (!all)
        {
            var parts = new List<string>();
            if (active.Count > 0) parts.Add($"{Osds(active)} still serve PGs (PGs map to them)");
            if (stored.Count > 0) parts.Add($"{Osds(stored)} still store PG data");
            if (missing.Count > 0) parts.Add($"{Osds(missing)} have no PG stats yet, so Ceph cannot tell");
            why = reason ?? (parts.Count > 0 ? string.Join("; ", parts) : "Ceph did not list them as safe");
        }
        return new SafeToDestroyResult(all, safe, active, missing, stored,
            exitCode == 0 ? null : CephErrno.Name(exitCode), why);

        static string Osds(IEnumerable<int> ids) => string.Join(", ", ids.Select(i => "osd." + i));
    }
}
