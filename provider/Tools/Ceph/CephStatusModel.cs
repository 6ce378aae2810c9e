using System.Globalization;

namespace Mvm.Tools;

/// <summary>`ceph status`, reduced to what the provider reports and decides on.</summary>
public sealed record CephStatus(
    string Fsid,
    HealthReport Health,
    IReadOnlyList<string> QuorumNames,
    int MonCount,
    OsdMapSummary OsdMap,
    PgSummary Pgs,
    int NumPools,
    long NumObjects,
    bool MgrAvailable);

/// <summary>
/// Overall health and the checks behind it (`ceph health detail` fills <see cref="HealthCheck.Details"/>).
/// </summary>
public sealed record HealthReport(string Status, IReadOnlyList<HealthCheck> Checks)
{
    public bool IsOk => Status == "HEALTH_OK";
    public bool IsError => Status == "HEALTH_ERR";

    public HealthCheck? Find(string code) => Checks.FirstOrDefault(c => c.Code == code);

    /// <summary>"HEALTH_WARN: OSD_DOWN (1 osds down); …" for messages.</summary>
    public override string ToString() =>
        Checks.Count == 0 ? Status : Status + ": " + string.Join("; ", Checks.Select(c => $"{c.Code} ({c.Summary})"));
}

/// <summary>One health check, e.g. code OSD_DOWN, severity HEALTH_WARN, summary "1 osds down".</summary>
public sealed record HealthCheck(string Code, string Severity, string Summary, int Count, bool Muted,
    IReadOnlyList<string> Details);

public sealed record OsdMapSummary(int Epoch, int NumOsds, int NumUpOsds, int NumInOsds, int NumRemappedPgs);

/// <summary>
/// Placement groups by state plus raw capacity (from `ceph status` or `ceph pg stat`). A state is
/// Ceph's '+'-joined flag list, e.g. "active+clean", "stale+active+clean", "active+undersized+degraded".
/// </summary>
public sealed record PgSummary(int NumPgs, IReadOnlyList<PgStateCount> ByState, long DataBytes, long BytesUsed,
    long BytesAvail, long BytesTotal,
    bool Ready)
{
    public int ActiveClean => ByState.Where(s => s.IsActiveClean).Sum(s => s.Count);

    /// <summary>
    /// Share of PGs that are active+clean, 0–100. No PGs at all counts as 100: there is nothing to wait for.
    /// </summary>
    public double ActiveCleanPercent => NumPgs == 0 ? 100 : 100.0 * ActiveClean / NumPgs;

    /// <summary>True when Ceph has PG statistics (`pg_ready`) and every PG is active+clean.</summary>
    public bool AllActiveClean => Ready && ActiveClean == NumPgs;

    /// <summary>"37/49 PGs active+clean (75.5%); 12 unknown" for progress lines and messages.</summary>
    public string Describe()
    {
        var others = ByState.Where(s => !s.IsActiveClean).Select(s => $"{s.Count} {s.State}");
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{ActiveClean}/{NumPgs} PGs active+clean ({ActiveCleanPercent:0.#}%)");
        var rest = string.Join(", ", others);
        return rest.Length == 0 ? text : text + "; " + rest;
    }
}

public sealed record PgStateCount(string State, int Count)
{
    // Flags that do not make a PG less available or less redundant: scrubbing and snapshot
    // trimming run on healthy PGs all the time, and waiting for them would never end.
    private static readonly HashSet<string> Harmless = ["active", "clean", "scrubbing", "deep", "snaptrim",
        "snaptrim_wait", "scrub_scheduling"];

    public bool IsActiveClean
    {
        get
        {
            var flags = State.Split('+');
            return flags.Contains("active") && flags.Contains("clean") && flags.All(Harmless.Contains);
        }
    }
}
