using Google.Protobuf.WellKnownTypes;

namespace Mvm.Protocol;

/// <summary>
/// Converts between google.protobuf.Struct on the wire and <see cref="PropertyValue"/>.
/// Special objects carry the signature key; unknowns are string sentinels (one per type).
/// </summary>
public static class PropertyValueCodec
{
    public const string SignatureKey = "4dabf18193072939515e22adb298388d";
    public const string SecretSig = "1b47061264138c4ac30d75fd1eb44270";
    public const string AssetSig = "c44067f5952c0a294b673a41bacd8c17";
    public const string ArchiveSig = "0def7320c3a5731c473e5ecbe6d01bc7";
    public const string ResourceReferenceSig = "5cf8f73096256a8f31e491e813e4eb8e";
    public const string OutputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
    public const string ByteStringSig = "803fd3297a5875dc03ca845dda5d2a98";

    public const string UnknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

    private static readonly HashSet<string> UnknownSentinels = new(StringComparer.Ordinal)
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // bool
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
        UnknownString,
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
        "030794c1-ac77-496b-92df-f27374a8bd58", // asset
        "e48ece36-62e2-4504-bad9-02848725956a", // archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
    };

    public static ObjectProperty Decode(Struct? s)
    {
        if (s is null) return ObjectProperty.Empty;
        return (ObjectProperty)PropertyValue.Of(s.Fields.Select(kv => KeyValuePair.Create(kv.Key, Decode(kv.Value))));
    }

    public static PropertyValue Decode(Value v) => v.KindCase switch
    {
        Value.KindOneofCase.None or Value.KindOneofCase.NullValue => PropertyValue.Null,
        Value.KindOneofCase.BoolValue => PropertyValue.Of(v.BoolValue),
        Value.KindOneofCase.NumberValue => PropertyValue.Of(v.NumberValue),
        Value.KindOneofCase.StringValue =>
            UnknownSentinels.Contains(v.StringValue) ? PropertyValue.Computed : PropertyValue.Of(v.StringValue),
        Value.KindOneofCase.ListValue => PropertyValue.Of(v.ListValue.Values.Select(Decode)),
        Value.KindOneofCase.StructValue => DecodeStruct(v),
        _ => throw new FormatException($"unsupported protobuf value kind {v.KindCase}"),
    };

    private static PropertyValue DecodeStruct(Value v)
    {
        var fields = v.StructValue.Fields;
        if (!fields.TryGetValue(SignatureKey, out var sig))
            return PropertyValue.Of(fields.Select(kv => KeyValuePair.Create(kv.Key, Decode(kv.Value))));
        switch (sig.StringValue)
        {
            case SecretSig:
                return PropertyValue.Secret(fields.TryGetValue("value", out var inner) ? Decode(inner)
                    : PropertyValue.Null);
            case OutputValueSig:
                {
                    var value = fields.TryGetValue("value", out var ov) ? Decode(ov) : PropertyValue.Computed;
                    var secret = fields.TryGetValue("secret", out var sv) && sv.BoolValue;
                    return secret ? PropertyValue.Secret(value) : value;
                }
            case AssetSig:
            case ArchiveSig:
            case ResourceReferenceSig:
            case ByteStringSig:
                return new OpaqueProperty(v);
            default:
                throw new FormatException($"unrecognised special-object signature '{sig.StringValue}'");
        }
    }

    public static Struct Encode(ObjectProperty o)
    {
        var s = new Struct();
        foreach (var (k, v) in o.Fields) s.Fields[k] = Encode(v);
        return s;
    }

    public static Value Encode(PropertyValue v) => v switch
    {
        NullProperty => Value.ForNull(),
        ComputedProperty => Value.ForString(UnknownString),
        BoolProperty b => Value.ForBool(b.Value),
        NumberProperty n => Value.ForNumber(n.Value),
        StringProperty s => Value.ForString(s.Value),
        ArrayProperty a => Value.ForList(a.Items.Select(Encode).ToArray()),
        ObjectProperty o => Value.ForStruct(Encode(o)),
        SecretProperty s => Value.ForStruct(new Struct
        {
            Fields = { [SignatureKey] = Value.ForString(SecretSig), ["value"] = Encode(s.Inner) },
        }),
        OpaqueProperty o => o.Raw,
        _ => throw new ArgumentOutOfRangeException(nameof(v)),
    };
}
