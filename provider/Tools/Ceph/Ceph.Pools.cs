using System.Globalization;
using System.Text.Json;

namespace Mvm.Tools;

public sealed partial class Ceph
{
    private const string AllowPoolDelete = "mon_allow_pool_delete";

    /// <summary>
    /// `ceph osd pool ls detail`: every pool with size, min_size, PG counts, applications and quotas.
    /// </summary>
    public async Task<IReadOnlyList<CephPoolInfo>> PoolListAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["osd", "pool", "ls", "detail"], "cluster", "pool list", ct)
            .ConfigureAwait(false);
        return ParsePoolList(r.StdoutText);
    }

    /// <summary>One pool from `osd pool ls detail`, or null when it does not exist (for Read: "gone").</summary>
    public async Task<CephPoolInfo?> FindPoolAsync(string name, CancellationToken ct) =>
        (await PoolListAsync(ct).ConfigureAwait(false)).FirstOrDefault(p => p.Name == CheckName(name, "pool name"));

    /// <summary>One pool; <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    public async Task<CephPoolInfo> GetPoolAsync(string name, CancellationToken ct) =>
        await FindPoolAsync(name, ct).ConfigureAwait(false)
        ?? throw new ObjectNotFoundException(_host.Name, Tool, "pool", name, "not listed by `ceph osd pool ls detail`");

    /// <summary>`ceph osd pool get-quota`: the quotas and how much of them is used.</summary>
    public async Task<PoolQuota> GetPoolQuotaAsync(string pool, CancellationToken ct)
    {
        string[] command = ["osd", "pool", "get-quota", CheckName(pool, "pool name")];
        var r = await RunAsync(command, ct).ConfigureAwait(false);
        // A pool created a moment ago exists in the OSD map before the manager has stats for it:
        // the monitors answer ENOENT "no stats for pool" until the next PG stats report (seconds).
        for (var i = 0; i < 40 && r.ExitCode == CephErrno.ENOENT
            && r.StderrText.Contains("no stats for pool", StringComparison.Ordinal); i++)
        {
            await Task.Delay(500, ct).ConfigureAwait(false);
            r = await RunAsync(command, ct).ConfigureAwait(false);
        }
        if (r.ExitCode == CephErrno.ENOENT) throw CephFailure.NotFound(r, Tool, "pool", pool);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
        using var doc = CephJson.Parse(r.StdoutText, "ceph osd pool get-quota");
        var j = doc.RootElement;
        return new PoolQuota(j.Str("pool_name") ?? pool, j.Int("pool_id"), j.Long("quota_max_bytes"),
            j.Long("quota_max_objects"),
            j.Long("current_num_bytes"), j.Long("current_num_objects"));
    }

    /// <summary>
    /// `ceph osd pool create` with named arguments (`--pg_num 32`), which Ceph matches by name, so
    /// an omitted optional argument can never shift the next one into its place. Returns false when
    /// the pool already existed: Ceph then exits 0 and changes nothing, so none of the options were applied.
    /// </summary>
    public async Task<bool> CreatePoolAsync(PoolCreateOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var r = await RunCheckedAsync(PoolCreateCommand(options), "pool", options.Name, ct).ConfigureAwait(false);
        return !r.StderrText.Contains("already exists", StringComparison.Ordinal);
    }

    internal static string[] PoolCreateCommand(PoolCreateOptions o)
    {
        var argv = new List<string> { "osd", "pool", "create", CheckName(o.Name, "pool name") };
        void Add(string name, string? value)
        {
            if (value is not null) argv.AddRange([name, value]);
        }
        Add("--pg_num", Positive(o.PgNum, "PgNum"));
        Add("--pgp_num", Positive(o.PgpNum, "PgpNum"));
        Add("--pool_type", o.Type == CephPoolType.Erasure ? "erasure" : "replicated");
        Add("--erasure_code_profile",
            o.ErasureCodeProfile is null ? null : CheckName(o.ErasureCodeProfile, "erasure-code profile"));
        Add("--rule", o.CrushRule is null ? null : CheckName(o.CrushRule, "CRUSH rule"));
        Add("--size", Positive(o.Size, "Size"));
        Add("--autoscale_mode", o.AutoscaleMode is { } m ? AutoscaleText(m) : null);
        return [.. argv];
    }

    /// <summary>`ceph osd pool set POOL KEY VALUE`, for settings without a typed method.</summary>
    public async Task SetPoolAsync(string pool, string key, string value, CancellationToken ct) =>
        await
            RunCheckedAsync(["osd", "pool", "set", CheckName(pool, "pool name"), CheckName(key, "pool setting"),
            CheckName(value, "value")],
            "pool", pool, ct).ConfigureAwait(false);

    /// <summary>
    /// Replicas per object. Size 1 needs `--yes-i-really-mean-it` (the declared size is the
    /// confirmation) and the monitors' mon_allow_pool_size_one, which stays the cluster admin's call.
    /// </summary>
    public async Task SetPoolSizeAsync(string pool, int size, CancellationToken ct)
    {
        string[] command = ["osd", "pool", "set", CheckName(pool, "pool name"), "size", Positive(size, "size")!];
        if (size == 1) command = [.. command, "--yes-i-really-mean-it"];
        await RunCheckedAsync(command, "pool", pool, ct).ConfigureAwait(false);
    }

    public Task SetPoolMinSizeAsync(string pool, int minSize, CancellationToken ct) =>
        SetPoolAsync(pool, "min_size", Positive(minSize, "min_size")!, ct);

    /// <summary>
    /// The PG count. Since Nautilus the monitors move pg_num (and pgp_num) towards the new value
    /// gradually: <see cref="CephPoolInfo.PgNumTarget"/> shows it at once, pg_num follows.
    /// </summary>
    public Task SetPoolPgNumAsync(string pool, int pgNum, CancellationToken ct) =>
        SetPoolAsync(pool, "pg_num", Positive(pgNum, "pg_num")!, ct);

    public Task SetPoolAutoscaleModeAsync(string pool, CephAutoscaleMode mode, CancellationToken ct) =>
        SetPoolAsync(pool, "pg_autoscale_mode", AutoscaleText(mode), ct);

    /// <summary>`ceph osd pool set-quota`: a null leaves that quota alone; 0 removes it.</summary>
    public async Task SetPoolQuotaAsync(string pool, long? maxBytes, long? maxObjects, CancellationToken ct)
    {
        if (maxBytes is not null)
            await
                RunCheckedAsync(["osd", "pool", "set-quota", CheckName(pool, "pool name"), "max_bytes",
                NonNegative(maxBytes.Value, "maxBytes")], "pool", pool, ct).ConfigureAwait(false);
        if (maxObjects is not null)
            await
                RunCheckedAsync(["osd", "pool", "set-quota", CheckName(pool, "pool name"), "max_objects",
                NonNegative(maxObjects.Value, "maxObjects")], "pool", pool, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// `ceph osd pool application enable`: idempotent for the same application. Ceph refuses
    /// (EPERM) a second, different application; disable the old one first to change it.
    /// </summary>
    public async Task EnableApplicationAsync(string pool, string application, CancellationToken ct) =>
        await
            RunCheckedAsync(["osd", "pool", "application", "enable", CheckName(pool, "pool name"),
            CheckName(application, "application")],
            "pool", pool, ct).ConfigureAwait(false);

    /// <summary>`ceph osd pool application disable … --yes-i-really-mean-it`; idempotent.</summary>
    public async Task DisableApplicationAsync(string pool, string application, CancellationToken ct) =>
        await
            RunCheckedAsync(["osd", "pool", "application", "disable", CheckName(pool, "pool name"),
            CheckName(application, "application"), "--yes-i-really-mean-it"],
            "pool", pool, ct).ConfigureAwait(false);

    /// <summary>
    /// `ceph osd pool delete P P --yes-i-really-really-mean-it`. When the monitors forbid pool
    /// deletion (mon_allow_pool_delete false) and <paramref name="allowTemporarily"/> is set, the
    /// switch is turned on in the monitors' configuration database only for this deletion and then
    /// put back exactly as it was, so it is never left on. Without it, that refusal is
    /// <see cref="PoolDeletionDisabledException"/>. A pool that is already gone is
    /// <see cref="RemovalOutcome.AlreadyAbsent"/>.
    /// </summary>
    public async Task<RemovalOutcome> DeletePoolAsync(string pool, bool allowTemporarily, CancellationToken ct)
    {
        CheckName(pool, "pool name");
        var r = await RunAsync(PoolDeleteCommand(pool), ct).ConfigureAwait(false);
        if (r.ExitCode == 0) return Removal(r);
        if (!IsDeletionDisabled(r)) throw CephFailure.Failed(r);
        if (!allowTemporarily) throw new PoolDeletionDisabledException(_host.Name, pool, CephFailure.Reason(r));

        var previous = (await ConfigDumpAsync(ct).ConfigureAwait(false))
            .FirstOrDefault(e => e.Section == "mon" && e.Name == AllowPoolDelete && e.Mask.Length == 0);
        await ConfigSetAsync("mon", AllowPoolDelete, "true", ct).ConfigureAwait(false);
        try
        {
            // The monitors apply a configuration change within moments; give them a few tries.
            for (var attempt = 0; ; attempt++)
            {
                r = await RunAsync(PoolDeleteCommand(pool), ct).ConfigureAwait(false);
                if (r.ExitCode == 0) return Removal(r);
                if (!IsDeletionDisabled(r)) throw CephFailure.Failed(r);
                if (attempt == 9)
                    throw new PoolDeletionDisabledException(_host.Name, pool,
                        CephFailure.Reason(r)
                            + " — still refused after setting it to true in the configuration database, so the " +
                            "monitors' ceph.conf sets it to false");
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            // Not the caller's token: the switch must go back even when the deletion was cancelled.
            if (previous is null) await ConfigRemoveAsync("mon", AllowPoolDelete, CancellationToken.None)
                .ConfigureAwait(false);
            else await ConfigSetAsync("mon", AllowPoolDelete, previous.Value, CancellationToken.None)
                .ConfigureAwait(false);
        }
    }

    private static string[] PoolDeleteCommand(string pool) =>
        ["osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it"];

    private static bool IsDeletionDisabled(Transport.CommandResult r) =>
        r.ExitCode == CephErrno.EPERM && r.StderrText.Contains(AllowPoolDelete, StringComparison.Ordinal);

    public static IReadOnlyList<CephPoolInfo> ParsePoolList(string json)
    {
        using var doc = CephJson.Parse(json, "ceph osd pool ls detail");
        return doc.RootElement.EnumerateArray().Select(ParsePool).ToList();
    }

    private static CephPoolInfo ParsePool(JsonElement p)
    {
        var apps = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (p.Obj("application_metadata") is { ValueKind: JsonValueKind.Object } meta)
            foreach (var app in meta.EnumerateObject())
                apps[app.Name] = app.Value.ValueKind == JsonValueKind.Object
                    ? app.Value.EnumerateObject()
                        .ToDictionary(kv => kv.Name, kv => kv.Value.Text(), StringComparer.Ordinal)
                    : new Dictionary<string, string>();
        var pgNum = p.Int("pg_num");
        var pgpNum = p.Int("pg_placement_num");
        return new CephPoolInfo(
            p.Int("pool_id"),
            p.RequiredStr("pool_name", "ceph osd pool ls detail"),
            // pg_pool_t::TYPE_REPLICATED = 1, TYPE_ERASURE = 3.
            p.Int("type") == 3 ? CephPoolType.Erasure : CephPoolType.Replicated,
            p.Int("size"),
            p.Int("min_size"),
            pgNum,
            pgpNum,
            p.Int("pg_num_target", pgNum),
            p.Int("pg_placement_num_target", pgpNum),
            ParseAutoscale(p.Str("pg_autoscale_mode")),
            p.Int("crush_rule"),
            p.Str("erasure_code_profile") is { Length: > 0 } profile ? profile : null,
            apps,
            p.Long("quota_max_bytes"),
            p.Long("quota_max_objects"),
            (p.Str("flags_names") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
    }

    private static CephAutoscaleMode? ParseAutoscale(string? text) => text switch
    {
        "on" => CephAutoscaleMode.On,
        "off" => CephAutoscaleMode.Off,
        "warn" => CephAutoscaleMode.Warn,
        _ => null,
    };

    private static string AutoscaleText(CephAutoscaleMode mode) => mode switch
    {
        CephAutoscaleMode.On => "on",
        CephAutoscaleMode.Off => "off",
        CephAutoscaleMode.Warn => "warn",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private static string? Positive(int? value, string what) => value switch
    {
        null => null,
        > 0 => value.Value.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(what, value, $"{what} must be positive"),
    };

    private static string NonNegative(long value, string what) =>
        value >= 0 ? value.ToString(CultureInfo.InvariantCulture)
            : throw new ArgumentOutOfRangeException(what, value, $"{what} must be ≥ 0 (0 removes the quota)");
}
