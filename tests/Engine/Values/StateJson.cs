using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Secrets;

namespace Mvm.EngineHarness.Values;

/// <summary>
/// Property values in the harness's state file. A secret is a marker object {"$secret": ...}. With a crypter (the
/// stack's <see cref="StackSecrets"/>, as a real engine encrypts its checkpoint) the marker holds the ciphertext of
/// the value's JSON text, "v1:&lt;nonce&gt;:&lt;ciphertext&gt;"; without one (inside that ciphertext, and in tests) it holds
/// the value itself. Either way every string NOT inside a marker is plaintext by definition — which is what
/// <see cref="PlaintextStrings"/> reports and what tests use to prove a secret never leaked into state unwrapped.
/// </summary>
public static class StateJson
{
    /// <summary>Marker key. "$" keeps it apart from real property names (a resource may well have a "secret" input).</summary>
    public const string SecretMarker = "$secret";

    /// <summary>The state form of <paramref name="value"/>; secrets encrypted with <paramref name="crypter"/> when given.</summary>
    public static JsonNode? ToState(Value value, ISecretCrypter? crypter = null)
    {
        if (PropertyValues.IsSecret(value))
        {
            var inner = ToState(PropertyValues.Unwrap(value));
            return new JsonObject { [SecretMarker] = crypter is null ? inner : crypter.Encrypt(inner?.ToJsonString() ?? "null") };
        }
        return value.KindCase switch
        {
            Value.KindOneofCase.BoolValue => JsonValue.Create(value.BoolValue),
            Value.KindOneofCase.NumberValue => JsonValue.Create(value.NumberValue),
            Value.KindOneofCase.StringValue => JsonValue.Create(value.StringValue),
            Value.KindOneofCase.ListValue => new JsonArray(value.ListValue.Values.Select(v => ToState(v, crypter)).ToArray()),
            Value.KindOneofCase.StructValue => ToState(value.StructValue, crypter),
            _ => null,
        };
    }

    public static JsonObject ToState(Struct value, ISecretCrypter? crypter = null)
        => new(value.Fields.Select(kv => KeyValuePair.Create(kv.Key, ToState(kv.Value, crypter))));

    /// <summary>Reads what <see cref="ToState(Value, ISecretCrypter?)"/> wrote with the same crypter (or none).</summary>
    public static Value FromState(JsonNode? node, ISecretCrypter? crypter = null)
    {
        switch (node)
        {
            case null:
                return Value.ForNull();
            case JsonObject o when o.Count == 1 && o.ContainsKey(SecretMarker):
                if (crypter is null)
                    return PropertyValues.Secret(FromState(o[SecretMarker]));
                if (o[SecretMarker] is not JsonValue cipher || cipher.GetValueKind() != System.Text.Json.JsonValueKind.String)
                    throw new InvalidDataException("an encrypted secret in the state is not a ciphertext string");
                return PropertyValues.Secret(FromState(JsonNode.Parse(crypter.Decrypt(cipher.GetValue<string>()))));
            case JsonObject o:
                return Value.ForStruct(StructFromState(o, crypter));
            case JsonArray a:
                return Value.ForList(a.Select(n => FromState(n, crypter)).ToArray());
            case JsonValue v:
                return PropertyValues.FromJsonElement(System.Text.Json.JsonSerializer.SerializeToElement(v));
            default:
                throw new InvalidOperationException($"unexpected JSON node {node.GetType().Name}");
        }
    }

    public static Struct StructFromState(JsonObject? o, ISecretCrypter? crypter = null)
    {
        var s = new Struct();
        if (o is null)
            return s;
        foreach (var (k, v) in o)
            s.Fields[k] = FromState(v, crypter);
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
