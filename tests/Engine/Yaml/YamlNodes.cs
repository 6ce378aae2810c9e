using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mvm.EngineHarness.Yaml;

/// <summary>Conversions from YamlDotNet nodes to expressions and plain values, with YAML 1.2 core-schema scalars.</summary>
internal static partial class YamlNodes
{
    public static SourceLocation Where(string file, YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>Plain (unquoted) scalars follow the YAML core schema: null, booleans, numbers; quoted ones are strings.</summary>
    public static Value? TypedScalar(YamlScalarNode node)
    {
        var text = node.Value ?? "";
        if (node.Style != ScalarStyle.Plain || (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && node.Tag.Value == "tag:yaml.org,2002:str"))
            return null;
        if (text is "" or "~" or "null" or "Null" or "NULL")
            return Value.ForNull();
        if (text is "true" or "True" or "TRUE")
            return Value.ForBool(true);
        if (text is "false" or "False" or "FALSE")
            return Value.ForBool(false);
        if (IntPattern().IsMatch(text))
            return Value.ForNumber(double.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        if (HexPattern().IsMatch(text))
            return Value.ForNumber(Convert.ToInt64(text[2..], 16));
        if (FloatPattern().IsMatch(text))
            return Value.ForNumber(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        return null;
    }

    public static Expr ToExpr(string file, YamlNode node)
    {
        var where = Where(file, node);
        switch (node)
        {
            case YamlScalarNode scalar:
                var typed = TypedScalar(scalar);
                if (typed is not null)
                {
                    return typed.KindCase switch
                    {
                        Value.KindOneofCase.NullValue => new NullExpr(where),
                        Value.KindOneofCase.BoolValue => new BoolExpr(typed.BoolValue, where),
                        _ => new NumberExpr(typed.NumberValue, where),
                    };
                }
                return InterpolationParser.Parse(scalar.Value ?? "", where);
            case YamlSequenceNode seq:
                return new ListExpr(seq.Children.Select(c => ToExpr(file, c)).ToList(), where);
            case YamlMappingNode map:
                if (map.Children.Count == 1 && map.Children.First().Key is YamlScalarNode { Value: { } key } && key.StartsWith("fn::", StringComparison.Ordinal))
                    return new FunctionExpr(key, ToExpr(file, map.Children.First().Value), where);
                return new ObjectExpr(map.Children.Select(kv => new ObjectProperty(KeyOf(file, kv.Key), ToExpr(file, kv.Value))).ToList(), where);
            default:
                throw new ProgramException(where, $"unsupported YAML node {node.NodeType}");
        }
    }

    /// <summary>A node as a plain value (no interpolation): config defaults, stack config.</summary>
    public static Value ToValue(string file, YamlNode node) => node switch
    {
        YamlScalarNode s => TypedScalar(s) ?? Value.ForString(s.Value ?? ""),
        YamlSequenceNode seq => Value.ForList(seq.Children.Select(c => ToValue(file, c)).ToArray()),
        YamlMappingNode map => Value.ForStruct(ToStruct(file, map)),
        _ => throw new ProgramException(Where(file, node), $"unsupported YAML node {node.NodeType}"),
    };

    private static Struct ToStruct(string file, YamlMappingNode map)
    {
        var s = new Struct();
        foreach (var (k, v) in map.Children)
            s.Fields[KeyOf(file, k)] = ToValue(file, v);
        return s;
    }

    public static string KeyOf(string file, YamlNode key)
        => key is YamlScalarNode { Value: { } k } ? k : throw new ProgramException(Where(file, key), "mapping keys must be plain strings");

    public static string? Scalar(YamlNode? node) => node is YamlScalarNode s ? s.Value : null;

    public static YamlNode? Get(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public static bool? Bool(string file, YamlNode? node)
    {
        if (node is null)
            return null;
        if (node is YamlScalarNode s && TypedScalar(s) is { KindCase: Value.KindOneofCase.BoolValue } b)
            return b.BoolValue;
        throw new ProgramException(Where(file, node), "expected true or false");
    }

    public static IReadOnlyList<string> StringList(string file, YamlNode? node)
    {
        return node switch
        {
            null => [],
            YamlSequenceNode seq => seq.Children.Select(c => Scalar(c) ?? throw new ProgramException(Where(file, c), "expected a string")).ToList(),
            YamlScalarNode s => [s.Value ?? ""],
            _ => throw new ProgramException(Where(file, node), "expected a list of strings"),
        };
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+$")]
    private static partial Regex HexPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
