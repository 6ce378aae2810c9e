using Mvm.Framework;
using Mvm.Protocol;

namespace Mvm.Tests.Unit.Framework;

public class PropertyMapperTests
{
    private static ObjectProperty Obj(params (string Key, PropertyValue Value)[] fields) =>
        (ObjectProperty)PropertyValue.Of(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static PropertyValue Str(string s) => PropertyValue.Of(s);
    private static PropertyValue Num(double d) => PropertyValue.Of(d);
    private static PropertyValue List(params PropertyValue[] items) => PropertyValue.Of(items);

    [Fact]
    public void DecodesNestedTypedValues()
    {
        var report = new MappingReport();
        var args = PropertyMapper.Decode<SampleArgs>(Obj(
            ("name", Str("c1")), ("count", Num(3)), ("mode", Str("FAST")),
            ("hosts", List(Obj(("name", Str("h1")), ("disks", List(Str("/dev/vdb"))), ("key", PropertyValue.Secret(Str("k")))))),
            ("labels", Obj(("a", Str("b"))))), report);
        Assert.Empty(report.Failures);
        Assert.Equal("c1", args.Name);
        Assert.Equal(3, args.Count);
        Assert.Equal(SampleMode.Fast, args.Mode);
        Assert.Equal("h1", args.Hosts![0].Name);
        Assert.Equal("/dev/vdb", args.Hosts[0].Disks![0]);
        Assert.Equal("k", args.Hosts[0].Key);
        Assert.Equal("b", args.Labels!["a"]);
    }

    [Fact]
    public void ReportsEveryProblemWithItsPath()
    {
        var report = new MappingReport();
        PropertyMapper.Decode<SampleArgs>(Obj(
            ("count", Num(2.5)), ("mode", Str("turbo")), ("hosts", List(Obj(("nmae", Str("h1")), ("port", Str("x"))))), ("tagz", List())), report);
        var byPath = report.Failures.ToDictionary(f => f.Property, f => f.Reason);
        Assert.Contains("missing required property 'name'", byPath["name"]);
        Assert.Equal("expected an integer, got 2.5", byPath["count"]);
        Assert.Equal("\"turbo\" is not one of fast, safe", byPath["mode"]);
        Assert.Contains("did you mean 'name'?", byPath["hosts[0].nmae"]);
        Assert.Contains("missing required property 'name'", byPath["hosts[0].name"]);
        Assert.StartsWith("expected an integer, got string", byPath["hosts[0].port"]);
        Assert.Contains("did you mean 'tags'?", byPath["tagz"]);
    }

    [Fact]
    public void UnknownValuesAreRecordedNotReported()
    {
        var report = new MappingReport();
        var args = PropertyMapper.Decode<SampleArgs>(Obj(("name", PropertyValue.Computed), ("hosts", PropertyValue.Computed)), report);
        Assert.Empty(report.Failures);
        Assert.Null(args.Hosts);
        Assert.True(report.IsUnknown("hosts[0].name"));
        Assert.False(report.IsUnknown("count"));
    }

    [Fact]
    public void EncodeWrapsSecretsAndWritesEnumsAsWireValues()
    {
        var state = new SampleState
        {
            Name = "c1", Mode = SampleMode.Safe, Password = "p", Uuid = "u",
            Hosts = [new SampleHost { Name = "h1", Key = "k" }],
        };
        var encoded = PropertyMapper.Encode(state);
        Assert.True(encoded["password"]!.IsSecret);
        Assert.Equal("safe", ((StringProperty)encoded["mode"]!).Value);
        var host = (ObjectProperty)((ArrayProperty)encoded["hosts"]!).Items[0];
        Assert.True(host["key"]!.IsSecret);
        Assert.Null(encoded["count"]); // absent stays absent
        var inputsOnly = PropertyMapper.Encode(state, inputsOnly: true);
        Assert.Null(inputsOnly["uuid"]);
    }

    [Fact]
    public void LenientStringsReadConfigValues()
    {
        var report = new MappingReport();
        var args = PropertyMapper.Decode<SampleArgs>(Obj(("name", Str("x")), ("count", Str("7")), ("tags", Str("[\"a\",\"b\"]")),
            ("hosts", Str("[{\"name\":\"h1\",\"port\":2222}]"))), report, PropertyMapper.Strict with { LenientStrings = true });
        Assert.Empty(report.Failures);
        Assert.Equal(7, args.Count);
        Assert.Equal(["a", "b"], args.Tags!);
        Assert.Equal(2222, args.Hosts![0].Port);
    }

    [Fact]
    public void NormalizerFillsDefaultsAndWrapsSecretsRecursively()
    {
        var normalized = InputNormalizer.Normalize(typeof(SampleArgs), Obj(("name", Str("c")), ("password", Str("p")),
            ("hosts", List(Obj(("name", Str("h1")), ("key", Str("k")))))));
        Assert.Equal("safe", ((StringProperty)normalized["mode"]!).Value);
        Assert.True(normalized["password"]!.IsSecret);
        var host = (ObjectProperty)((ArrayProperty)normalized["hosts"]!).Items[0];
        Assert.Equal(22, ((NumberProperty)host["port"]!).Value);
        Assert.True(host["key"]!.IsSecret);
    }
}
