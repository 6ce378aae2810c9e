using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// systemctl on a host. Unit state is read with `systemctl show` (key=value, stable across
/// versions) rather than `status`, whose text is for people. A unit that does not exist raises
/// <see cref="ObjectNotFoundException"/> from every command that names one.
/// </summary>
public sealed partial class Systemd(IHost host)
{
    /// <summary>
    /// The properties <see cref="ShowAsync(string, TimeSpan, CancellationToken)"/> reads; <see cref="UnitStatus"/>
    /// mirrors them.
    /// </summary>
    internal static readonly string[] ShowProperties =
    [
        "Id", "Description", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "ExecMainStatus",
        "Result", "NeedDaemonReload", "FragmentPath", "ActiveEnterTimestamp", "LoadError",
    ];

    public async Task StartAsync(string unit, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("start", unit), unit, timeout, ct).ConfigureAwait(false);

    public async Task StopAsync(string unit, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("stop", unit), unit, timeout, ct).ConfigureAwait(false);

    public async Task RestartAsync(string unit, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("restart", unit), unit, timeout, ct).ConfigureAwait(false);

    /// <summary>Enables the unit at boot; with <paramref name="now"/> also starts it (`enable --now`).</summary>
    public async Task EnableAsync(string unit, bool now, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("enable", unit, now), unit, timeout, ct).ConfigureAwait(false);

    /// <summary>Disables the unit at boot; with <paramref name="now"/> also stops it.</summary>
    public async Task DisableAsync(string unit, bool now, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("disable", unit, now), unit, timeout, ct).ConfigureAwait(false);

    /// <summary>
    /// Masks the unit (links it to /dev/null) so nothing can start it; works whether or not the unit exists.
    /// </summary>
    public async Task MaskAsync(string unit, bool now, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("mask", unit, now), unit, timeout, ct).ConfigureAwait(false);

    public async Task UnmaskAsync(string unit, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Argv("unmask", unit), unit, timeout, ct).ConfigureAwait(false);

    /// <summary>Reloads unit files after the provider wrote or changed one.</summary>
    public async Task DaemonReloadAsync(TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(["systemctl", "daemon-reload"], null, timeout, ct).ConfigureAwait(false);

    /// <summary>
    /// `systemctl is-active`. Note that systemd answers `inactive` for a unit that does not exist;
    /// use <see cref="ShowAsync(string, TimeSpan, CancellationToken)"/> to tell the two apart.
    /// </summary>
    public async Task<UnitActiveState> IsActiveAsync(string unit, TimeSpan timeout, CancellationToken ct)
    {
        var result = await host.RunAsync(Argv("is-active", unit), null, timeout, ct).ConfigureAwait(false);
        // Exit 3 with a state on stdout is the normal "not active" answer, not a failure.
        if (result.ExitCode is 0 or 3
            && result.StdoutText.Trim() is { Length: > 0 } state) return UnitStatus.ParseActiveState(state);
        Check(result, unit);
        throw new FormatException($"`{result.CommandLine}` on {host.Name} printed no state");
    }

    /// <summary>`systemctl is-enabled`: the unit file state (`enabled`, `disabled`, `static`, `masked` …).</summary>
    public async Task<string> IsEnabledAsync(string unit, TimeSpan timeout, CancellationToken ct)
    {
        var result = await host.RunAsync(Argv("is-enabled", unit), null, timeout, ct).ConfigureAwait(false);
        // `disabled` and `masked` come with exit 1 but a state on stdout; a missing unit prints none.
        if (result.StdoutText.Trim() is { Length: > 0 } state && result.ExitCode is 0 or 1) return state;
        Check(result, unit);
        throw new FormatException($"`{result.CommandLine}` on {host.Name} printed no state");
    }

    /// <summary>
    /// The unit's typed status. A unit systemd cannot find raises <see cref="ObjectNotFoundException"/>.
    /// </summary>
    public async Task<UnitStatus> ShowAsync(string unit, TimeSpan timeout, CancellationToken ct)
    {
        var status = (await ShowAsync([unit], timeout, ct).ConfigureAwait(false))[0];
        if (status.LoadState == UnitLoadState.NotFound)
            throw new ObjectNotFoundException(host.Name, "systemctl", "unit", status.Id,
                status.LoadError is { Length: > 0 } e ? e : "LoadState=not-found");
        return status;
    }

    /// <summary>
    /// Several units in one command. Units that do not exist are returned with
    /// <see cref="UnitLoadState.NotFound"/> rather than raised, so one missing unit does not hide the others.
    /// </summary>
    public async Task<IReadOnlyList<UnitStatus>> ShowAsync(IReadOnlyList<string> units, TimeSpan timeout,
        CancellationToken ct)
    {
        var result = await RunAsync(ShowArgv(units), null, timeout, ct).ConfigureAwait(false);
        var statuses = ParseShow(result.StdoutText);
        if (statuses.Count != units.Count)
            throw new
                FormatException($"`{result.CommandLine}` on {host.Name} described {statuses.Count} units, " +
                $"expected {units.Count}");
        return statuses;
    }

    // ---- argv ----

    internal static string[] Argv(string verb, string unit, bool now = false)
    {
        ValidateUnit(unit);
        // `--` so that a unit name can never be read as an option.
        return now ? ["systemctl", verb, "--now", "--", unit] : ["systemctl", verb, "--", unit];
    }

    internal static string[] ShowArgv(IReadOnlyList<string> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        if (units.Count == 0) throw new ArgumentException("no units to show", nameof(units));
        foreach (var u in units) ValidateUnit(u);
        // --timestamp=utc: one fixed, parseable timestamp format whatever the host's locale and zone.
        return ["systemctl", "show", "--timestamp=utc", "-p", string.Join(',', ShowProperties), "--", .. units];
    }

    // systemd.unit(5): ASCII letters, digits, ":", "-", "_", ".", "\" and "@"; at most 255 characters.
    [GeneratedRegex(@"\A[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@\-]{0,254}\z")]
    private static partial Regex UnitName();

    internal static void ValidateUnit(string unit)
    {
        if (unit is null || !UnitName().IsWholeMatch(unit))
            throw new
                ArgumentException($"\"{unit}\" is not a systemd unit name (letters, digits, ':', '-', '_', '.', " +
                "'\\', '@'; at most 255)", nameof(unit));
    }

    // ---- parsing ----

    /// <summary>
    /// `systemctl show -p …` output: one block of key=value lines per unit, blocks separated by a blank line.
    /// </summary>
    public static IReadOnlyList<UnitStatus> ParseShow(string text)
    {
        var units = new List<UnitStatus>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Append(""))
        {
            if (line.Length == 0)
            {
                if (values.Count > 0) units.Add(UnitStatus.From(values));
                values = new Dictionary<string, string>(StringComparer.Ordinal);
                continue;
            }
            // Only the first '=' separates: values (Description, LoadError) may contain more.
            var eq = line.IndexOf('=');
            if (eq > 0) values[line[..eq]] = line[(eq + 1)..];
        }
        return units;
    }

    // systemctl's wording for a unit it cannot find, across the commands and versions
    // (`start`: "Unit x.service not found."; `stop`: "not loaded."; `enable`: "Unit file x does not
    // exist."; `is-enabled`: "No such file or directory"; newer `status`: "could not be found.").
    [GeneratedRegex(@"Unit (?:file )?\S+ (?:not found|not loaded|does not exist|could not be found)|Failed to get " +
        @"unit file state for \S+: No such file or directory")]
    private static partial Regex NotFound();

    private async Task<CommandResult> RunAsync(string[] argv, string? unit, TimeSpan timeout, CancellationToken ct) =>
        Check(await host.RunAsync(argv, null, timeout, ct).ConfigureAwait(false), unit);

    /// <summary>Maps a failed systemctl to the provider's typed errors; returns the result when it succeeded.</summary>
    internal static CommandResult Check(CommandResult result, string? unit)
    {
        if (result.ExitCode == 0) return result;
        if (result.ExitCode == 127) throw new ToolMissingException(result.Host, "systemctl", "systemd");
        if (unit is not null && NotFound().Match(result.StderrText) is { Success: true } m)
            throw new ObjectNotFoundException(result.Host, "systemctl", "unit", unit, m.Value);
        return result.EnsureSuccess();
    }
}

/// <summary>
/// systemd's load states (`systemctl --state=help`); <see cref="Other"/> for one this version does not know.
/// </summary>
public enum UnitLoadState
{
    Other,
    Stub,
    Loaded,
    NotFound,
    BadSetting,
    Error,
    Merged,
    Masked,
}

/// <summary>systemd's active states; <see cref="Other"/> for one this version does not know.</summary>
public enum UnitActiveState
{
    Other,
    Active,
    Reloading,
    Inactive,
    Failed,
    Activating,
    Deactivating,
    Maintenance,
    Refreshing,
}

/// <summary>
/// A unit as `systemctl show` describes it. <see cref="UnitFileState"/> stays a string (`enabled`,
/// `disabled`, `static`, `masked`, `indirect`, `generated` …; empty when there is no unit file):
/// systemd adds values over time and the provider only needs <see cref="IsEnabled"/>.
/// </summary>
public sealed record UnitStatus(
    string Id,
    string Description,
    UnitLoadState LoadState,
    UnitActiveState ActiveState,
    string SubState,
    string UnitFileState,
    int? MainPid,
    int ExecMainStatus,
    string Result,
    bool NeedDaemonReload,
    string? FragmentPath,
    DateTimeOffset? ActiveEnterTimestamp,
    string? LoadError)
{
    public bool Exists => LoadState != UnitLoadState.NotFound;
    public bool IsActive => ActiveState == UnitActiveState.Active;

    /// <summary>Starts at boot because it is enabled (not merely `static`, i.e. pulled in by another unit).</summary>
    public bool IsEnabled => UnitFileState is "enabled" or "enabled-runtime";

    public bool IsMasked => LoadState == UnitLoadState.Masked || UnitFileState is "masked" or "masked-runtime";

    internal static UnitStatus From(IReadOnlyDictionary<string, string> v)
    {
        string Get(string key) => v.TryGetValue(key, out var s) ? s : "";
        string? Optional(string key) => Get(key) is { Length: > 0 } s ? s : null;
        int Int(string key) =>
            int.TryParse(Get(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var id = Optional("Id") ?? throw new FormatException("a `systemctl show` block without Id");
        return new UnitStatus(
            id,
            Get("Description"),
            ParseLoadState(Get("LoadState")),
            ParseActiveState(Get("ActiveState")),
            Get("SubState"),
            Get("UnitFileState"),
            Int("MainPID") is > 0 and var pid ? pid : null,
            Int("ExecMainStatus"),
            Get("Result"),
            Get("NeedDaemonReload") == "yes",
            Optional("FragmentPath"),
            ParseTimestamp(Get("ActiveEnterTimestamp")),
            Optional("LoadError"));
    }

    internal static UnitLoadState ParseLoadState(string s) => s switch
    {
        "stub" => UnitLoadState.Stub,
        "loaded" => UnitLoadState.Loaded,
        "not-found" => UnitLoadState.NotFound,
        "bad-setting" => UnitLoadState.BadSetting,
        "error" => UnitLoadState.Error,
        "merged" => UnitLoadState.Merged,
        "masked" => UnitLoadState.Masked,
        _ => UnitLoadState.Other,
    };

    internal static UnitActiveState ParseActiveState(string s) => s switch
    {
        "active" => UnitActiveState.Active,
        "reloading" => UnitActiveState.Reloading,
        "inactive" => UnitActiveState.Inactive,
        "failed" => UnitActiveState.Failed,
        "activating" => UnitActiveState.Activating,
        "deactivating" => UnitActiveState.Deactivating,
        "maintenance" => UnitActiveState.Maintenance,
        "refreshing" => UnitActiveState.Refreshing,
        _ => UnitActiveState.Other,
    };

    /// <summary>`--timestamp=utc` format: `Sat 2026-11-21 06:59:47 UTC`; empty (never entered) is null.</summary>
    internal static DateTimeOffset? ParseTimestamp(string s) =>
        DateTimeOffset.TryParseExact(s, "ddd yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
