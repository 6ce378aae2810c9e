using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;

namespace Mvm.EngineHarness.Values;

/// <summary>
/// Property values in the harness's state file. A real engine encrypts secrets in its checkpoint; the harness
/// keeps them readable for debugging but behind a marker object {"$secret": value}, so that every string NOT
/// inside such a marker is plaintext by definition — which is what <see cref="PlaintextStrings"/> reports and
/// what tests use to prove a secret never leaked into state unwrapped.
/// </summary>
public static class StateJson
{
    /// <summary>Marker key. "$" keeps it apart from real property names (a resource may well have a "secret" input).</summary>
    public const string SecretMarker = "$secret";

    public static JsonNode? ToState(Value value)
    {
        if (PropertyValues.IsSecret(value))
            return new JsonObject { [SecretMarker] = ToState(PropertyValues.Unwrap(value)) };
        return value.KindCase switch
        {
            Value.KindOneofCase.BoolValue => JsonValue.Create(value.BoolValue),
            Value.KindOneofCase.NumberValue => JsonValue.Create(value.NumberValue),
            Value.KindOneofCase.StringValue => JsonValue.Create(value.StringValue),
            Value.KindOneofCase.ListValue => new JsonArray(value.ListValue.Values.Select(ToState).ToArray()),
            Value.KindOneofCase.StructValue => ToState(value.StructValue),
            _ => null,
        };
    }

    public static JsonObject ToState(Struct value)
        => new(value.Fields.Select(kv => KeyValuePair.Create(kv.Key, ToState(kv.Value))));

    public static Value FromState(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return Value.ForNull();
            case JsonObject o when o.Count == 1 && o.ContainsKey(SecretMarker):
                return PropertyValues.Secret(FromState(o[SecretMarker]));
            case JsonObject o:
                return Value.ForStruct(StructFromState(o));
            case JsonArray a:
                return Value.ForList(a.Select(FromState).ToArray());
            case JsonValue v:
                return PropertyValues.FromJsonElement(System.Text.Json.JsonSerializer.SerializeToElement(v));
            default:
                throw new InvalidOperationException($"unexpected JSON node {node.GetType().Name}");
        }
    }

    public static Struct StructFromState(JsonObject? o)
    {
        var s = new Struct();
        if (o is null)
            return s;
        foreach (var (k, v) in o)
            s.Fields[k] = FromState(v);
        return s;
    }

    /// <summary>A string found in state outside any secret marker, with its JSON path.</summary>
    public sealed record PlaintextString(string Path, string Value);

    /// <summary>Every string value in the document that is not inside a {"$secret": ...} marker.</summary>
    public static IReadOnlyList<PlaintextString> PlaintextStrings(JsonNode? root)
    {
        var found = new List<PlaintextString>();
        Walk(root, "$", found);
        return found;
    }

    /// <summary>Plaintext strings of a state file on disk.</summary>
    public static IReadOnlyList<PlaintextString> PlaintextStrings(string stateFilePath)
        => PlaintextStrings(JsonNode.Parse(File.ReadAllText(stateFilePath)));

    /// <summary>Paths where <paramref name="secret"/> occurs (as a substring) in plaintext; empty means it never leaked.</summary>
    public static IReadOnlyList<string> FindPlaintext(JsonNode? root, string secret)
        => PlaintextStrings(root).Where(p => p.Value.Contains(secret, StringComparison.Ordinal)).Select(p => p.Path).ToList();

    private static void Walk(JsonNode? node, string path, List<PlaintextString> found)
    {
        switch (node)
        {
            case JsonObject o when o.Count == 1 && o.ContainsKey(SecretMarker):
                return; // protected
            case JsonObject o:
                foreach (var (k, v) in o)
                    Walk(v, $"{path}.{k}", found);
                return;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    Walk(a[i], $"{path}[{i}]", found);
                return;
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String:
                found.Add(new PlaintextString(path, v.GetValue<string>()));
                return;
        }
    }
}
