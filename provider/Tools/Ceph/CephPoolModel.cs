namespace Mvm.Tools;

public enum CephPoolType
{
    Replicated,
    Erasure,
}

/// <summary>What the PG autoscaler does for a pool (`pg_autoscale_mode`).</summary>
public enum CephAutoscaleMode
{
    On,
    Off,
    Warn,
}

/// <summary>
/// A pool as `ceph osd pool ls detail` shows it. <see cref="PgNum"/> is the current count and
/// <see cref="PgNumTarget"/> where the monitors are taking it; quotas of 0 mean none.
/// </summary>
public sealed record CephPoolInfo(
    int Id,
    string Name,
    CephPoolType Type,
    int Size,
    int MinSize,
    int PgNum,
    int PgpNum,
    int PgNumTarget,
    int PgpNumTarget,
    CephAutoscaleMode? AutoscaleMode,
    int CrushRule,
    string? ErasureCodeProfile,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Applications,
    long QuotaMaxBytes,
    long QuotaMaxObjects,
    IReadOnlyList<string> Flags);

/// <summary>`ceph osd pool get-quota`: limits (0 = none) and current use.</summary>
public sealed record PoolQuota(string PoolName, int PoolId, long MaxBytes, long MaxObjects, long CurrentBytes,
    long CurrentObjects);

/// <summary>Arguments of `ceph osd pool create`; null leaves a setting to the cluster's defaults.</summary>
public sealed record PoolCreateOptions(string Name)
{
    public int? PgNum { get; init; }
    public int? PgpNum { get; init; }
    public CephPoolType Type { get; init; } = CephPoolType.Replicated;
    /// <summary>Erasure-code profile; only for <see cref="CephPoolType.Erasure"/>.</summary>
    public string? ErasureCodeProfile { get; init; }
    public string? CrushRule { get; init; }
    public int? Size { get; init; }
    public CephAutoscaleMode? AutoscaleMode { get; init; }
}
