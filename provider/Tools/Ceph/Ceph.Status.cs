using System.Diagnostics;
using System.Text.Json;
using Mvm.Core;

namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>`ceph status`: health, monitors in quorum, OSD counts and placement-group states.</summary>
    public async Task<CephStatus> StatusAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["status"], "cluster", "status", ct).ConfigureAwait(false);
        return ParseStatus(r.StdoutText);
    }

    /// <summary>
    /// `ceph fsid`: the id of the cluster the host's configuration points at (one cheap monitor round trip).
    /// </summary>
    public async Task<string> FsidAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["fsid"], "cluster", "fsid", ct).ConfigureAwait(false);
        using var doc = CephJson.Parse(r.StdoutText, "ceph fsid");
        return doc.RootElement.Str("fsid") ?? throw new FormatException("ceph fsid printed no fsid");
    }

    /// <summary>`ceph health detail`: every health check with its per-object detail lines.</summary>
    public async Task<HealthReport> HealthDetailAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["health", "detail"], "cluster", "health", ct).ConfigureAwait(false);
        using var doc = CephJson.Parse(r.StdoutText, "ceph health detail");
        return ParseHealth(doc.RootElement);
    }

    /// <summary>
    /// `ceph pg stat`: placement groups by state and raw capacity, the cheapest way to follow recovery.
    /// </summary>
    public async Task<PgSummary> PgStatAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["pg", "stat"], "cluster", "pg stat", ct).ConfigureAwait(false);
        return ParsePgStat(r.StdoutText);
    }

    /// <summary>
    /// Polls `ceph pg stat` until every placement group is active+clean, reporting each reading
    /// (for the engine's status line: "PGs 87% active+clean"). Throws
    /// <see cref="CephWaitTimedOutException"/> with the last states when <paramref name="limit"/> passes.
    /// </summary>
    public async Task<PgSummary> WaitForPgsActiveCleanAsync(TimeSpan limit, IProgress<PgSummary>? progress,
        CancellationToken ct,
        TimeSpan? pollInterval = null)
    {
        var clock = Stopwatch.StartNew();
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        while (true)
        {
            var pgs = await PgStatAsync(ct).ConfigureAwait(false);
            progress?.Report(pgs);
            if (pgs.AllActiveClean) return pgs;
            if (clock.Elapsed >= limit) throw new CephWaitTimedOutException(_host.Name,
                "all placement groups active+clean", limit, pgs.Describe());
            await Task.Delay(interval, ct).ConfigureAwait(false);
        }
    }

    public static CephStatus ParseStatus(string json)
    {
        using var doc = CephJson.Parse(json, "ceph status");
        var root = doc.RootElement;
        var osdmap = root.Obj("osdmap");
        // Older releases (Nautilus and before) nest the counts one level deeper, osdmap.osdmap; read either shape.
        if (osdmap.ValueKind == JsonValueKind.Object
            && osdmap.Obj("osdmap").ValueKind == JsonValueKind.Object) osdmap = osdmap.Obj("osdmap");
        var pgmap = root.Obj("pgmap");
        var monmap = root.Obj("monmap");
        return new CephStatus(
            root.RequiredStr("fsid", "ceph status"),
            ParseHealth(root.Obj("health")),
            root.Strings("quorum_names"),
            monmap.Int("num_mons", monmap.Arr("mons").Count()),
            new OsdMapSummary(osdmap.Int("epoch"), osdmap.Int("num_osds"), osdmap.Int("num_up_osds"),
                osdmap.Int("num_in_osds"), osdmap.Int("num_remapped_pgs")),
            new PgSummary(
                pgmap.Int("num_pgs"),
                pgmap.Arr("pgs_by_state").Select(s => new PgStateCount(s.Str("state_name") ?? "", s.Int("count")))
                    .ToList(),
                pgmap.Long("data_bytes"), pgmap.Long("bytes_used"), pgmap.Long("bytes_avail"),
                    pgmap.Long("bytes_total"),
                Ready: true),
            pgmap.Int("num_pools"),
            pgmap.Long("num_objects"),
            root.Obj("mgrmap").Bool("available"));
    }

    internal static HealthReport ParseHealth(JsonElement health)
    {
        var status = health.Str("status") ?? throw new FormatException("ceph health has no \"status\"");
        var checks = new List<HealthCheck>();
        if (health.Obj("checks") is { ValueKind: JsonValueKind.Object } all)
        {
            foreach (var c in all.EnumerateObject())
            {
                var summary = c.Value.Obj("summary");
                checks.Add(new HealthCheck(c.Name, c.Value.Str("severity") ?? status, summary.Str("message") ?? "",
                    summary.Int("count"),
                    c.Value.Bool("muted"), c.Value.Arr("detail").Select(d => d.Str("message") ?? "").ToList()));
            }
        }
        return new HealthReport(status, checks);
    }

    public static PgSummary ParsePgStat(string json)
    {
        using var doc = CephJson.Parse(json, "ceph pg stat");
        var root = doc.RootElement;
        var s = root.Obj("pg_summary");
        return new PgSummary(
            s.Int("num_pgs"),
            s.Arr("num_pg_by_state").Select(x => new PgStateCount(x.Str("name") ?? "", x.Int("num"))).ToList(),
            s.Long("num_bytes"), s.Long("total_used_raw_bytes", s.Long("total_used_bytes")),
                s.Long("total_avail_bytes"), s.Long("total_bytes"),
            root.Bool("pg_ready", true));
    }
}

/// <summary>A wait on the cluster (PGs active+clean, an OSD up) did not finish in time.</summary>
public sealed class CephWaitTimedOutException(string host, string what, TimeSpan limit, string lastSeen)
    :
        ProviderException($"Ceph on {host} did not reach \"{what}\" within {Durations.Format(limit)}; last " +
        $"seen: {lastSeen}. " +
        "Check `ceph health detail`; if the cluster is only slow, raise the resource's customTimeouts.")
{
    public string What { get; } = what;
    public string LastSeen { get; } = lastSeen;
}
