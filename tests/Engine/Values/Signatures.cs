using Google.Protobuf.WellKnownTypes;

namespace Mvm.EngineHarness.Values;

/// <summary>
/// Special-object signatures of the property-value wire format (doc §3): an object with the key
/// <see cref="Key"/> whose value names what the object is.
/// </summary>
public static class Signatures
{
    public const string Key = "4dabf18193072939515e22adb298388d";
    public const string Secret = "1b47061264138c4ac30d75fd1eb44270";
    public const string Asset = "c44067f5952c0a294b673a41bacd8c17";
    public const string Archive = "0def7320c3a5731c473e5ecbe6d01bc7";
    public const string ResourceReference = "5cf8f73096256a8f31e491e813e4eb8e";
    public const string OutputValue = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
    public const string ByteString = "803fd3297a5875dc03ca845dda5d2a98";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Secret, Asset, Archive, ResourceReference, OutputValue, ByteString,
    };

    /// <summary>The signature of a special object, or null for plain values.</summary>
    public static string? Of(Value value)
        => value.KindCase == Value.KindOneofCase.StructValue &&
           value.StructValue.Fields.TryGetValue(Key, out var sig) &&
           sig.KindCase == Value.KindOneofCase.StringValue
            ? sig.StringValue
            : null;
}

public enum UnknownKind
{
    Bool,
    Number,
    String,
    Array,
    Asset,
    Archive,
    Object,
}

/// <summary>Unknown (computed) values are string sentinels, one per expected type (doc §3).</summary>
public static class Unknowns
{
    public const string Bool = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
    public const string Number = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
    public const string String = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    public const string Array = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";
    public const string Asset = "030794c1-ac77-496b-92df-f27374a8bd58";
    public const string Archive = "e48ece36-62e2-4504-bad9-02848725956a";
    public const string Object = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";

    private static readonly Dictionary<string, UnknownKind> Kinds = new(StringComparer.Ordinal)
    {
        [Bool] = UnknownKind.Bool,
        [Number] = UnknownKind.Number,
        [String] = UnknownKind.String,
        [Array] = UnknownKind.Array,
        [Asset] = UnknownKind.Asset,
        [Archive] = UnknownKind.Archive,
        [Object] = UnknownKind.Object,
    };

    public static Value Of(UnknownKind kind = UnknownKind.String) => Value.ForString(Sentinel(kind));

    public static string Sentinel(UnknownKind kind) => kind switch
    {
        UnknownKind.Bool => Bool,
        UnknownKind.Number => Number,
        UnknownKind.String => String,
        UnknownKind.Array => Array,
        UnknownKind.Asset => Asset,
        UnknownKind.Archive => Archive,
        UnknownKind.Object => Object,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool IsUnknown(Value? value)
        => value is { KindCase: Value.KindOneofCase.StringValue } && Kinds.ContainsKey(value.StringValue);

    public static UnknownKind? KindOf(Value? value)
        => value is { KindCase: Value.KindOneofCase.StringValue } && Kinds.TryGetValue(value.StringValue, out var k) ? k : null;
}
