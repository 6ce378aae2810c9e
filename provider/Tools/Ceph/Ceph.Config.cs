namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>`ceph config dump`: the monitors' configuration database (not ceph.conf files).</summary>
    public async Task<IReadOnlyList<CephConfigEntry>> ConfigDumpAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["config", "dump"], "cluster", "config dump", ct).ConfigureAwait(false);
        return ParseConfigDump(r.StdoutText);
    }

    /// <summary>`ceph config set WHO NAME VALUE` (WHO: global, mon, osd, osd.3, client.admin …).</summary>
    public async Task ConfigSetAsync(string who, string name, string value, CancellationToken ct) =>
        await RunCheckedAsync(["config", "set", CheckName(who, "config section"), CheckName(name, "option"), CheckName(value, "value")], "option", name, ct)
            .ConfigureAwait(false);

    /// <summary>`ceph config rm WHO NAME`: back to the inherited or built-in value; idempotent.</summary>
    public async Task ConfigRemoveAsync(string who, string name, CancellationToken ct) =>
        await RunCheckedAsync(["config", "rm", CheckName(who, "config section"), CheckName(name, "option")], "option", name, ct).ConfigureAwait(false);

    /// <summary>`ceph config-key set KEY -i -`: the value travels on stdin, so it may hold any text (JSON, spaces).</summary>
    public async Task ConfigKeySetAsync(string key, string value, CancellationToken ct)
    {
        var r = await RunAsync(["config-key", "set", CheckName(key, "config key"), "-i", "-"], ct, System.Text.Encoding.UTF8.GetBytes(value)).ConfigureAwait(false);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
    }

    /// <summary>`ceph config-key dump PREFIX`: every key starting with the prefix and its value.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ConfigKeyDumpAsync(string prefix, CancellationToken ct)
    {
        var r = await RunCheckedAsync(["config-key", "dump", CheckName(prefix, "config key prefix")], "config key", prefix, ct).ConfigureAwait(false);
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
            p => p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
    }

    public static IReadOnlyList<CephConfigEntry> ParseConfigDump(string json)
    {
        using var doc = CephJson.Parse(json, "ceph config dump");
        return doc.RootElement.EnumerateArray()
            .Select(e => new CephConfigEntry(e.Str("section") ?? "", e.Str("name") ?? "", e.Str("value") ?? "", e.Str("mask") ?? "")).ToList();
    }
}

/// <summary>One entry of the monitors' configuration database.</summary>
public sealed record CephConfigEntry(string Section, string Name, string Value, string Mask);
