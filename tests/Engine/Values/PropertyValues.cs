using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;

namespace Mvm.EngineHarness.Values;

/// <summary>
/// Engine-side construction and inspection of property values (google.protobuf.Value / Struct) in the
/// wire format of doc §3. Written independently of the provider's codec on purpose.
/// </summary>
public static class PropertyValues
{
    /// <summary>
    /// Converts a plain C# value: null, bool, numbers (always sent as double), string, enums (name),
    /// Value/Struct (as-is), JsonElement/JsonNode, dictionaries with string keys, sequences, and other objects
    /// (anonymous types included) by their public properties.
    /// </summary>
    public static Value From(object? value) => value switch
    {
        null => Value.ForNull(),
        Value v => v,
        Struct s => Value.ForStruct(s),
        string s => Value.ForString(s),
        bool b => Value.ForBool(b),
        char c => Value.ForString(c.ToString()),
        byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal
            => Value.ForNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        System.Enum e => Value.ForString(e.ToString()),
        JsonElement e => FromJsonElement(e),
        JsonNode n => FromJsonElement(JsonSerializer.SerializeToElement(n)),
        IDictionary d => Value.ForStruct(DictionaryToStruct(d)),
        IEnumerable e => Value.ForList(e.Cast<object?>().Select(From).ToArray()),
        _ => Value.ForStruct(ObjectToStruct(value)),
    };

    /// <summary>Like <see cref="From"/>, for something that must be an object (e.g. `new { name = "x" }`).</summary>
    public static Struct Struct(object? value)
    {
        if (value is null)
            return new Struct();
        var v = From(value);
        if (v.KindCase != Value.KindOneofCase.StructValue)
            throw new ArgumentException($"expected an object, got {v.KindCase}", nameof(value));
        return v.StructValue;
    }

    public static Value FromJson(string json) => FromJsonElement(JsonDocument.Parse(json).RootElement);

    public static Struct StructFromJson(string json) => Struct(FromJson(json));

    public static Value FromJsonElement(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => Value.ForNull(),
        JsonValueKind.True => Value.ForBool(true),
        JsonValueKind.False => Value.ForBool(false),
        JsonValueKind.Number => Value.ForNumber(e.GetDouble()),
        JsonValueKind.String => Value.ForString(e.GetString()!),
        JsonValueKind.Array => Value.ForList(e.EnumerateArray().Select(FromJsonElement).ToArray()),
        JsonValueKind.Object => Value.ForStruct(ObjectFromJson(e)),
        _ => throw new ArgumentException($"unsupported JSON kind {e.ValueKind}"),
    };

    /// <summary>The wire JSON of a value: special objects appear with their signature keys.</summary>
    public static string ToJson(Value value) => ToJsonNode(value)?.ToJsonString() ?? "null";

    public static string ToJson(Struct value) => ToJson(Value.ForStruct(value));

    public static JsonNode? ToJsonNode(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.NullValue or Value.KindOneofCase.None => null,
        Value.KindOneofCase.BoolValue => JsonValue.Create(value.BoolValue),
        Value.KindOneofCase.NumberValue => JsonValue.Create(value.NumberValue),
        Value.KindOneofCase.StringValue => JsonValue.Create(value.StringValue),
        Value.KindOneofCase.ListValue => new JsonArray(value.ListValue.Values.Select(ToJsonNode).ToArray()),
        Value.KindOneofCase.StructValue => new JsonObject(value.StructValue.Fields.Select(kv => KeyValuePair.Create(kv.Key, ToJsonNode(kv.Value)))),
        _ => null,
    };

    /// <summary>Wraps a value as a secret: {sig: secret, value: v}. Wrapping a secret again is a no-op.</summary>
    public static Value Secret(object? value)
    {
        var inner = From(value);
        if (IsSecret(inner))
            return inner;
        var s = new Struct();
        s.Fields[Signatures.Key] = Value.ForString(Signatures.Secret);
        s.Fields["value"] = inner;
        return Value.ForStruct(s);
    }

    public static Value Unknown(UnknownKind kind = UnknownKind.String) => Unknowns.Of(kind);

    public static bool IsSecret(Value? value) => value is not null && Signatures.Of(value) == Signatures.Secret;

    /// <summary>The value inside a secret wrapper (one level), or the value itself.</summary>
    public static Value Unwrap(Value value)
        => IsSecret(value) && value.StructValue.Fields.TryGetValue("value", out var inner) ? inner : value;

    /// <summary>Removes every secret wrapper, recursively (what the engine sends when acceptSecrets=false, and CheckConfig).</summary>
    public static Value StripSecrets(Value value)
    {
        value = Unwrap(value);
        return value.KindCase switch
        {
            Value.KindOneofCase.ListValue => Value.ForList(value.ListValue.Values.Select(StripSecrets).ToArray()),
            Value.KindOneofCase.StructValue => Value.ForStruct(StripSecrets(value.StructValue)),
            _ => value,
        };
    }

    public static Struct StripSecrets(Struct value)
    {
        var result = new Struct();
        foreach (var (k, v) in value.Fields)
            result.Fields[k] = StripSecrets(v);
        return result;
    }

    public static bool ContainsSecrets(Value value) => Any(value, IsSecret);

    public static bool ContainsSecrets(Struct value) => value.Fields.Values.Any(ContainsSecrets);

    public static bool ContainsUnknowns(Value value) => Any(value, Unknowns.IsUnknown);

    public static bool ContainsUnknowns(Struct? value) => value is not null && value.Fields.Values.Any(ContainsUnknowns);

    /// <summary>True if <paramref name="predicate"/> holds for the value or anything inside it (secrets included).</summary>
    public static bool Any(Value value, Func<Value, bool> predicate)
    {
        if (predicate(value))
            return true;
        return value.KindCase switch
        {
            Value.KindOneofCase.ListValue => value.ListValue.Values.Any(v => Any(v, predicate)),
            Value.KindOneofCase.StructValue => value.StructValue.Fields.Values.Any(v => Any(v, predicate)),
            _ => false,
        };
    }

    /// <summary>
    /// Converts to plain .NET values (null, bool, double, string, List, Dictionary). Secrets are unwrapped when
    /// <paramref name="unwrapSecrets"/>, otherwise kept as their wrapper dictionaries.
    /// </summary>
    public static object? ToPlain(Value value, bool unwrapSecrets = true)
    {
        if (unwrapSecrets)
            value = Unwrap(value);
        return value.KindCase switch
        {
            Value.KindOneofCase.BoolValue => value.BoolValue,
            Value.KindOneofCase.NumberValue => value.NumberValue,
            Value.KindOneofCase.StringValue => value.StringValue,
            Value.KindOneofCase.ListValue => value.ListValue.Values.Select(v => ToPlain(v, unwrapSecrets)).ToList(),
            Value.KindOneofCase.StructValue => value.StructValue.Fields.ToDictionary(kv => kv.Key, kv => ToPlain(kv.Value, unwrapSecrets)),
            _ => null,
        };
    }

    /// <summary>Top-level field lookup that tolerates a null struct.</summary>
    public static Value? Get(Struct? s, string key) => s is not null && s.Fields.TryGetValue(key, out var v) ? v : null;

    /// <summary>Text for display: strings unquoted, secrets as [secret], unknowns as output&lt;kind&gt;.</summary>
    public static string Display(Value value)
    {
        if (IsSecret(value))
            return "[secret]";
        if (Unknowns.KindOf(value) is { } kind)
            return $"output<{kind.ToString().ToLowerInvariant()}>";
        return value.KindCase switch
        {
            Value.KindOneofCase.StringValue => value.StringValue,
            Value.KindOneofCase.NumberValue => FormatNumber(value.NumberValue),
            Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            Value.KindOneofCase.ListValue => "[" + string.Join(", ", value.ListValue.Values.Select(Display)) + "]",
            Value.KindOneofCase.StructValue => "{" + string.Join(", ", value.StructValue.Fields.Select(kv => $"{kv.Key}: {Display(kv.Value)}")) + "}",
            _ => "null",
        };
    }

    /// <summary>Integral doubles print without a fraction (Go's strconv does the same for the engine's display).</summary>
    public static string FormatNumber(double d)
        => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);

    private static Struct ObjectFromJson(JsonElement e)
    {
        var s = new Struct();
        foreach (var p in e.EnumerateObject())
            s.Fields[p.Name] = FromJsonElement(p.Value);
        return s;
    }

    private static Struct DictionaryToStruct(IDictionary d)
    {
        var s = new Struct();
        foreach (DictionaryEntry entry in d)
        {
            var key = entry.Key as string ?? throw new ArgumentException($"dictionary keys must be strings, got {entry.Key?.GetType().Name}");
            s.Fields[key] = From(entry.Value);
        }
        return s;
    }

    private static Struct ObjectToStruct(object value)
    {
        var s = new Struct();
        foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length == 0)
                s.Fields[p.Name] = From(p.GetValue(value));
        }
        return s;
    }
}
