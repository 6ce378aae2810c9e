using Mvm.Tools;

namespace Mvm.Resources.CephPool;

/// <summary>Between the resource's records and what the Ceph client reads: state from the cluster, and inputs that
/// reproduce it.</summary>
public static class PoolMapping
{
    public static CephAutoscaleMode ToCeph(PgAutoscaleMode mode) => mode switch
    {
        PgAutoscaleMode.On => CephAutoscaleMode.On,
        PgAutoscaleMode.Warn => CephAutoscaleMode.Warn,
        _ => CephAutoscaleMode.Off,
    };

    public static PgAutoscaleMode? FromCeph(CephAutoscaleMode? mode) => mode switch
    {
        CephAutoscaleMode.On => PgAutoscaleMode.On,
        CephAutoscaleMode.Warn => PgAutoscaleMode.Warn,
        CephAutoscaleMode.Off => PgAutoscaleMode.Off,
        _ => null,
    };

    /// <summary>
    /// The pool as the cluster has it. Only `connectString` and `forceDestroy` are not on the
    /// cluster and come from the caller. The application shown is the declared one when it is
    /// enabled, otherwise whichever is, so a hand-made change shows as drift.
    /// </summary>
    public static CephPoolState ToState(CephPoolInfo p, PoolQuota? usage, string? connectString, bool? forceDestroy,
        string? declaredApplication) => new()
    {
        ConnectString = connectString,
        Name = p.Name,
        Type = p.Type == CephPoolType.Erasure ? PoolType.Erasure : PoolType.Replicated,
        ErasureCodeProfile = p.Type == CephPoolType.Erasure ? p.ErasureCodeProfile : null,
        Size = p.Size,
        MinSize = p.MinSize,
        PgNum = p.PgNumTarget,
        Autoscale = FromCeph(p.AutoscaleMode),
        Application = declaredApplication is not null && p.Applications.ContainsKey(declaredApplication)
            ? declaredApplication
            : p.Applications.Keys.Order(StringComparer.Ordinal).FirstOrDefault(),
        MaxBytes = p.QuotaMaxBytes,
        MaxObjects = p.QuotaMaxObjects,
        ForceDestroy = forceDestroy ?? false,
        PoolId = p.Id,
        StoredBytes = usage?.CurrentBytes,
        Objects = usage?.CurrentObjects,
        CurrentPgNum = p.PgNum,
    };

    /// <summary>
    /// Inputs for an imported pool: everything that makes it what it is, leaving out what Ceph would
    /// choose by itself anyway (no quota, min_size by Ceph's rule, pg_num under the autoscaler), so a
    /// program written the natural way imports with no diff.
    /// </summary>
    public static CephPoolArgs ImportInputs(CephPoolState s)
    {
        var replicated = s.Type != PoolType.Erasure;
        return new CephPoolArgs
        {
            ConnectString = s.ConnectString,
            Name = s.Name,
            Type = s.Type,
            ErasureCodeProfile = replicated ? null : s.ErasureCodeProfile,
            Size = replicated ? s.Size : null,
            MinSize = replicated && s.Size is { } size && s.MinSize != size - size / 2 ? s.MinSize : null,
            Autoscale = s.Autoscale,
            PgNum = s.Autoscale == PgAutoscaleMode.On ? null : s.PgNum,
            Application = s.Application,
            MaxBytes = s.MaxBytes is > 0 ? s.MaxBytes : null,
            MaxObjects = s.MaxObjects is > 0 ? s.MaxObjects : null,
            ForceDestroy = false,
        };
    }
}
