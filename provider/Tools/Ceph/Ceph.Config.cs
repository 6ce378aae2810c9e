using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>`ceph config dump`: the monitors' configuration database (not ceph.conf files).</summary>
    public async Task<IReadOnlyList<CephConfigEntry>> ConfigDumpAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["config", "dump"], "cluster", "config dump", ct).ConfigureAwait(false);
        return ParseConfigDump(r.StdoutText);
    }

    /// <summary>`ceph config set WHO NAME -- VALUE` (WHO: global, mon, osd, osd.3, client.admin …).</summary>
    public async Task ConfigSetAsync(string who, string name, string value, CancellationToken ct)
    {
        if (ConfigOptionProblem(name) is { } badName) throw new
            ArgumentException($"option {Quoted.Value(name)} {badName}", nameof(name));
        if (ConfigValueProblem(value) is { } badValue) throw new
            ArgumentException($"value {Quoted.Value(value)} {badValue}", nameof(value));
        var r = await RunArgvAsync(ArgvWithValue(["config", "set", CheckName(who, "config section"), name], value), ct)
            .ConfigureAwait(false);
        if (r.ExitCode == CephErrno.ENOENT) throw CephFailure.NotFound(r, Tool, "option", name);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
    }

    /// <summary>
    /// Sets several options on WHO, each first tried on a scratch section (<see cref="ScratchSection"/>,
    /// removed again at once) so that an option the monitors do not know, or a value they cannot
    /// parse for it ("error parsing value"), is refused before any of WHO's settings changes: a
    /// refused third setting must not leave the first two applied.
    /// </summary>
    public async Task ConfigSetAllAsync(string who, IReadOnlyCollection<KeyValuePair<string, string>> settings,
        CancellationToken ct)
    {
        var tried = new List<string>();
        try
        {
            foreach (var (name, value) in settings)
            {
                try
                {
                    await ConfigSetAsync(ScratchSection, name, value, ct).ConfigureAwait(false);
                }
                catch (RemoteCommandFailedException e)
                {
                    throw new CephSettingRefusedException(_host.Name, name, value, settings.Count, e);
                }
                tried.Add(name);
            }
        }
        finally
        {
            foreach (var name in tried) await ConfigRemoveAsync(ScratchSection, name, CancellationToken.None)
                .ConfigureAwait(false);
        }
        foreach (var (name, value) in settings) await ConfigSetAsync(who, name, value, ct).ConfigureAwait(false);
    }

    /// <summary>A client section no daemon or client uses, where settings are tried before they are applied.</summary>
    public const string ScratchSection = "client.mvm-check";

    /// <summary>
    /// `ceph config get WHO NAME` (an unknown name is ENOENT, <see cref="ObjectNotFoundException"/>): the value WHO
    /// sees (from the database, else the built-in default).
    /// </summary>
    public async Task<string> ConfigGetAsync(string who, string name, CancellationToken ct)
    {
        if (ConfigOptionProblem(name) is { } badName) throw new
            ArgumentException($"option {Quoted.Value(name)} {badName}", nameof(name));
        var r = await RunCheckedAsync(["config", "get", CheckName(who, "config section"), name], "option", name, ct)
            .ConfigureAwait(false);
        // Plain text even with -f json (Ceph 16.2.15): a newline, the value, a newline. Values
        // never start or end with a line break (ConfigValueProblem), so one each side is framing.
        var text = r.StdoutText;
        if (text.StartsWith('\n')) text = text[1..];
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>`ceph config rm WHO NAME`: back to the inherited or built-in value; idempotent.</summary>
    public async Task ConfigRemoveAsync(string who, string name, CancellationToken ct)
    {
        if (ConfigOptionProblem(name) is { } badName) throw new
            ArgumentException($"option {Quoted.Value(name)} {badName}", nameof(name));
        await RunCheckedAsync(["config", "rm", CheckName(who, "config section"), name], "option", name, ct)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Why `ceph config set` would refuse this option name, or null. Ceph 16.2.15's 1956 option
    /// names (`ceph config ls`) are lower-case letters, digits and '_' (e.g. `osd_max_backfills`), or
    /// `mgr/&lt;module&gt;/&lt;option&gt;` for manager modules; anything else ('-' or upper case included)
    /// is "unrecognized config option". Whether a well-formed name exists is only known to the monitors.
    /// </summary>
    public static string? ConfigOptionProblem(string name) =>
        name.Length is 0 or > MaxOptionLength || !OptionName().IsWholeMatch(name)
            ? $"is not a Ceph option name: 1-{MaxOptionLength} lower-case letters, digits and '_' starting with a " +
                "letter (e.g. osd_max_backfills), or mgr/<module>/<option>"
            : null;

    /// <summary>
    /// Why `ceph config set` would refuse this value (or store something else), or null: what the
    /// ceph CLI was seen to take on Ceph 16.2.15. It refuses non-ASCII ("invalid chars é") and control
    /// characters other than tab and newline; after `--` it still reads a value starting with "--"
    /// as an option. Tab, newline and leading or trailing spaces are refused here too: they would
    /// be stored, but no option means them, and `ceph config dump` and `get` print them back trimmed.
    /// </summary>
    public static string? ConfigValueProblem(string value)
    {
        if (value.Length == 0) return "is empty; remove the key to return to Ceph's default";
        if (value.Any(c => c is < ' ' or > '~')) return "must be printable ASCII: the ceph CLI refuses other " +
            "characters, and control characters and line breaks";
        if (value.Trim() != value) return "must not start or end with a space";
        if (value.StartsWith("--", StringComparison.Ordinal)) return "must not start with \"--\": the ceph CLI reads " +
            "it as an option";
        return null;
    }

    private const int MaxOptionLength = 128;

    [GeneratedRegex(@"\A(?:[a-z][a-z0-9_]*|mgr/[a-z][a-z0-9_]*/[a-z][a-z0-9_]*)\z")]
    private static partial Regex OptionName();

    /// <summary>
    /// `ceph config-key set KEY -i -`: the value travels on stdin, so it may hold any text (JSON, spaces).
    /// </summary>
    public async Task ConfigKeySetAsync(string key, string value, CancellationToken ct)
    {
        var r = await RunAsync(["config-key", "set", CheckName(key, "config key"), "-i", "-"], ct,
            System.Text.Encoding.UTF8.GetBytes(value)).ConfigureAwait(false);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
    }

    /// <summary>`ceph config-key dump PREFIX`: every key starting with the prefix and its value.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ConfigKeyDumpAsync(string prefix, CancellationToken ct)
    {
        var r = await RunCheckedAsync(["config-key", "dump", CheckName(prefix, "config key prefix")], "config key",
            prefix, ct).ConfigureAwait(false);
        return ParseConfigKeyDump(r.StdoutText);
    }

    /// <summary>`ceph config-key rm KEY`; a key already gone is not an error.</summary>
    public async Task ConfigKeyRemoveAsync(string key, CancellationToken ct)
    {
        var r = await RunAsync(["config-key", "rm", CheckName(key, "config key")], ct).ConfigureAwait(false);
        if (r.ExitCode != 0 && r.ExitCode != CephErrno.ENOENT) throw CephFailure.Failed(r);
    }

    public static IReadOnlyDictionary<string, string> ParseConfigKeyDump(string json)
    {
        if (string.IsNullOrWhiteSpace(json)) return new Dictionary<string, string>();
        using var doc = CephJson.Parse(json, "ceph config-key dump");
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name,
            p =>
                p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? p.Value.GetString()!
                : p.Value.GetRawText(), StringComparer.Ordinal);
    }

    public static IReadOnlyList<CephConfigEntry> ParseConfigDump(string json)
    {
        using var doc = CephJson.Parse(json, "ceph config dump");
        return doc.RootElement.EnumerateArray()
            .Select(e =>
                new CephConfigEntry(e.Str("section") ?? "", e.Str("name") ?? "", e.Str("value") ?? "",
                e.Str("mask") ?? "")).ToList();
    }
}

/// <summary>One entry of the monitors' configuration database.</summary>
public sealed record CephConfigEntry(string Section, string Name, string Value, string Mask);

/// <summary>The monitors refused an option name or value while settings were tried; none of them was applied.</summary>
public sealed class CephSettingRefusedException(string host, string name, string value, int count,
    RemoteCommandFailedException refusal)
    :
        ProviderException($"Ceph on {host} refused setting {name} to {Quoted.Value(value)} " +
        $"({refusal.Stderr.Trim().Split('\n')[^1]}); " +
        $"none of the {count} setting(s) was applied. Correct it (`ceph config help {name}` shows the option's type " +
            "and range) and run again.", refusal);
