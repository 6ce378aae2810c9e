using System.Globalization;
using Mvm.Tools;

namespace Mvm.Resources.CephPool;

/// <summary>One setting to bring a pool to its declared state, e.g. `size` 3 → 2.</summary>
public sealed record PoolChange(string Setting, string? From, string To)
{
    public override string ToString() => From is null ? $"{Setting} {To}" : $"{Setting} {From} → {To}";
}

/// <summary>
/// What must change on a pool, judged against the pool as Ceph reports it (not against the last
/// recorded inputs), so a repeated or interrupted update sets only what still differs. Undeclared
/// settings are the cluster's to choose and are left alone.
/// </summary>
public static class PoolChanges
{
    public const string Size = "size";
    public const string MinSize = "min_size";
    public const string Autoscale = "pg_autoscale_mode";
    public const string PgNum = "pg_num";
    public const string MaxBytes = "max_bytes";
    public const string MaxObjects = "max_objects";
    public const string EnableApplication = "application enable";
    public const string DisableApplication = "application disable";

    public static IReadOnlyList<PoolChange> Plan(CephPoolArgs desired, CephPoolInfo actual)
    {
        var changes = new List<PoolChange>();
        var app = desired.Application ?? "rbd";
        // Ceph refuses a second application without a flag: the old one goes first.
        foreach (var other in actual.Applications.Keys.Where(a => a != app).Order(StringComparer.Ordinal))
            changes.Add(new PoolChange(DisableApplication, null, other));
        if (!actual.Applications.ContainsKey(app)) changes.Add(new PoolChange(EnableApplication, null, app));

        var autoscale = desired.Autoscale is { } mode ? PoolMapping.ToCeph(mode) : (CephAutoscaleMode?)null;
        if (autoscale is { } a && a != actual.AutoscaleMode)
            changes.Add(new PoolChange(Autoscale, actual.AutoscaleMode?.ToString().ToLowerInvariant(),
                a.ToString().ToLowerInvariant()));
        // pg_num moves gradually: the target says where it is heading.
        if (desired.PgNum is { } pg && (autoscale ?? actual.AutoscaleMode) != CephAutoscaleMode.On
            && pg != actual.PgNumTarget)
            changes.Add(Change(PgNum, actual.PgNumTarget, pg));

        var size = actual.Type == CephPoolType.Replicated ? desired.Size : null;
        var sizeChange = size is { } s && s != actual.Size ? Change(Size, actual.Size, s) : null;
        var minChange = desired.MinSize is { } m && m != actual.MinSize ? Change(MinSize, actual.MinSize, m) : null;
        // min_size may never exceed size: grow size first, shrink it last.
        if (sizeChange is not null && size > actual.Size) changes.Add(sizeChange);
        if (minChange is not null) changes.Add(minChange);
        if (sizeChange is not null && size < actual.Size) changes.Add(sizeChange);

        if (desired.MaxBytes is { } mb && mb != actual.QuotaMaxBytes) changes.Add(Change(MaxBytes, actual.QuotaMaxBytes,
            mb));
        if (desired.MaxObjects is { } mo && mo != actual.QuotaMaxObjects) changes.Add(Change(MaxObjects,
            actual.QuotaMaxObjects, mo));
        return changes;
    }

    public static async Task ApplyAsync(Ceph ceph, string pool, PoolChange change, CancellationToken ct)
    {
        switch (change.Setting)
        {
            case Size: await ceph.SetPoolSizeAsync(pool, Int(change.To), ct).ConfigureAwait(false); break;
            case MinSize: await ceph.SetPoolMinSizeAsync(pool, Int(change.To), ct).ConfigureAwait(false); break;
            case PgNum: await ceph.SetPoolPgNumAsync(pool, Int(change.To), ct).ConfigureAwait(false); break;
            case Autoscale: await ceph.SetPoolAutoscaleModeAsync(pool,
                Enum.Parse<CephAutoscaleMode>(change.To, ignoreCase: true), ct).ConfigureAwait(false); break;
            case MaxBytes: await ceph.SetPoolQuotaAsync(pool, Long(change.To), null, ct).ConfigureAwait(false); break;
            case MaxObjects: await ceph.SetPoolQuotaAsync(pool, null, Long(change.To), ct).ConfigureAwait(false); break;
            case EnableApplication: await ceph.EnableApplicationAsync(pool, change.To, ct).ConfigureAwait(false); break;
            case DisableApplication: await ceph.DisableApplicationAsync(pool, change.To, ct)
                .ConfigureAwait(false); break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change.Setting, "unknown pool setting");
        }
    }

    private static PoolChange Change(string setting, long from, long to) =>
        new(setting, from.ToString(CultureInfo.InvariantCulture), to.ToString(CultureInfo.InvariantCulture));

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);
}
