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

    public static IReadOnlyList<CephConfigEntry> ParseConfigDump(string json)
    {
        using var doc = CephJson.Parse(json, "ceph config dump");
        return doc.RootElement.EnumerateArray()
            .Select(e => new CephConfigEntry(e.Str("section") ?? "", e.Str("name") ?? "", e.Str("value") ?? "", e.Str("mask") ?? "")).ToList();
    }
}

/// <summary>One entry of the monitors' configuration database.</summary>
public sealed record CephConfigEntry(string Section, string Name, string Value, string Mask);
