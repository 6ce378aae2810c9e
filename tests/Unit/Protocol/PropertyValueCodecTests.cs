using Google.Protobuf.WellKnownTypes;
using Mvm.Protocol;

namespace Mvm.Tests.Unit.Protocol;

public class PropertyValueCodecTests
{
    private static Value SecretWire(Value inner) => Value.ForStruct(new Struct
    {
        Fields = { [PropertyValueCodec.SignatureKey] = Value.ForString(PropertyValueCodec.SecretSig), ["value"] = inner },
    });

    [Fact]
    public void SecretsAreDecodedAndEncodedWithTheSignature()
    {
        var wire = new Struct { Fields = { ["password"] = SecretWire(Value.ForString("hunter2")), ["user"] = Value.ForString("root") } };
        var decoded = PropertyValueCodec.Decode(wire);
        Assert.True(decoded["password"]!.IsSecret);
        Assert.Equal("hunter2", ((StringProperty)decoded["password"]!.Unsecret()).Value);
        Assert.False(decoded["user"]!.IsSecret);
        Assert.Equal(wire, PropertyValueCodec.Encode(decoded));
    }

    [Theory]
    [InlineData("1c4a061d-8072-4f0a-a4cb-0ff528b18fe7")]
    [InlineData("3eeb2bf0-c639-47a8-9e75-3b44932eb421")]
    [InlineData("04da6b54-80e4-46f7-96ec-b56ff0331ba9")]
    [InlineData("6a19a0b0-7e62-4c92-b797-7f8e31da9cc2")]
    [InlineData("dd056dcd-154b-4c76-9bd3-c8f88648b5ff")]
    public void EveryUnknownSentinelDecodesAsComputed(string sentinel)
    {
        Assert.True(PropertyValueCodec.Decode(Value.ForString(sentinel)).IsComputed);
    }

    [Fact]
    public void ComputedEncodesAsTheStringSentinel() =>
        Assert.Equal(PropertyValueCodec.UnknownString, PropertyValueCodec.Encode(PropertyValue.Computed).StringValue);

    [Fact]
    public void OutputValuesFlattenToSecretOrUnknown()
    {
        var unknownOutput = Value.ForStruct(new Struct { Fields = { [PropertyValueCodec.SignatureKey] = Value.ForString(PropertyValueCodec.OutputValueSig) } });
        Assert.True(PropertyValueCodec.Decode(unknownOutput).IsComputed);
        var secretOutput = Value.ForStruct(new Struct
        {
            Fields =
            {
                [PropertyValueCodec.SignatureKey] = Value.ForString(PropertyValueCodec.OutputValueSig),
                ["value"] = Value.ForNumber(3), ["secret"] = Value.ForBool(true),
            },
        });
        var v = PropertyValueCodec.Decode(secretOutput);
        Assert.True(v.IsSecret);
        Assert.Equal(3, ((NumberProperty)v.Unsecret()).Value);
    }

    [Fact]
    public void AssetsPassThroughUntouched()
    {
        var asset = Value.ForStruct(new Struct
        {
            Fields = { [PropertyValueCodec.SignatureKey] = Value.ForString(PropertyValueCodec.AssetSig), ["hash"] = Value.ForString("abc") },
        });
        Assert.Equal(asset, PropertyValueCodec.Encode(PropertyValueCodec.Decode(asset)));
    }

    [Fact]
    public void UnrecognisedSignatureIsAnError()
    {
        var bad = Value.ForStruct(new Struct { Fields = { [PropertyValueCodec.SignatureKey] = Value.ForString("nope") } });
        Assert.Throws<FormatException>(() => PropertyValueCodec.Decode(bad));
    }

    [Fact]
    public void NestedValuesRoundTrip()
    {
        var wire = new Struct
        {
            Fields =
            {
                ["hosts"] = Value.ForList(Value.ForStruct(new Struct { Fields = { ["name"] = Value.ForString("h1"), ["disks"] = Value.ForList(Value.ForString("/dev/vdb")) } })),
                ["n"] = Value.ForNull(),
                ["flag"] = Value.ForBool(false),
            },
        };
        Assert.Equal(wire, PropertyValueCodec.Encode(PropertyValueCodec.Decode(wire)));
    }

    [Fact]
    public void SecretStringsFindsNestedSecretsOnly()
    {
        var v = PropertyValue.Of([
            KeyValuePair.Create("a", PropertyValue.Secret(PropertyValue.Of([PropertyValue.Of("k1"), PropertyValue.Of("k2")]))),
            KeyValuePair.Create("b", PropertyValue.Of("plain")),
        ]);
        Assert.Equal(["k1", "k2"], v.SecretStrings().OrderBy(s => s));
    }
}
