using System.Globalization;
using System.Text.Json;

namespace Mvm.Tools;

/// <summary>
/// Lenient readers over Ceph's JSON. Fields differ between releases, so a missing field reads as
/// a default instead of failing the whole parse; only fields the provider cannot do without are
/// required.
/// </summary>
internal static class CephJson
{
    public static JsonDocument Parse(string json, string what)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            var head = json.Length > 200 ? json[..200] + "…" : json;
            throw new FormatException($"{what} did not print JSON ({e.Message}): {head.Trim()}", e);
        }
    }

    public static string? Str(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static string RequiredStr(this JsonElement e, string name, string what) =>
        e.Str(name) ?? throw new FormatException($"{what} has no \"{name}\"");

    public static long Long(this JsonElement e, string name, long fallback = 0)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetInt64(out var n) => n,
            JsonValueKind.Number => (long)v.GetDouble(),
            // Some fields (pool `last_change`, osd metadata) are numbers printed as strings.
            JsonValueKind.String when long.TryParse(v.GetString(), NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out var n) => n,
            _ => fallback,
        };
    }

    public static int Int(this JsonElement e, string name, int fallback = 0) => (int)e.Long(name, fallback);

    public static double Double(this JsonElement e, string name, double fallback = 0)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture,
                out var d) => d,
            _ => fallback,
        };
    }

    /// <summary>Ceph prints booleans as true/false, 0/1 or "true"/"false" depending on the command.</summary>
    public static bool Bool(this JsonElement e, string name, bool fallback = false)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.GetDouble() != 0,
            JsonValueKind.String => v.GetString() is "true" or "1",
            _ => fallback,
        };
    }

    public static JsonElement Obj(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.Object ? v : default;

    public static IEnumerable<JsonElement> Arr(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    public static IReadOnlyList<int> Ints(this JsonElement e, string name) =>
        e.Arr(name).Where(x => x.ValueKind == JsonValueKind.Number).Select(x => x.GetInt32()).ToList();

    public static IReadOnlyList<string> Strings(this JsonElement e, string name) =>
        e.Arr(name).Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.ToString()).ToList();

    /// <summary>A JSON value as the text Ceph would show for it (strings unquoted).</summary>
    public static string Text(this JsonElement v) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
}
