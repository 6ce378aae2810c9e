using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Mvm.Core;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>
/// Typed mapping between property values and Args/State records. Decoding never throws for bad
/// input: it records a failure per path so Check can report every problem at once.
/// </summary>
public static class PropertyMapper
{
    public sealed record Options
    {
        /// <summary>Report properties the type does not declare (user input) or tolerate them (stored state).</summary>
        public bool RejectUnknownProperties { get; init; } = true;
        /// <summary>Enforce required inputs (user input) or not (stored state, partial reads).</summary>
        public bool EnforceRequired { get; init; } = true;
        /// <summary>Accept strings for numbers, booleans, lists and objects: config values arrive as strings.</summary>
        public bool LenientStrings { get; init; }
    }

    public static readonly Options Strict = new();
    public static readonly Options Stored = new() { RejectUnknownProperties = false, EnforceRequired = false };

    public static T Decode<[DynamicallyAccessedMembers(ModelMembers.Kept)] T>(ObjectProperty value,
        MappingReport report, Options? options = null) where T : new() =>
        (T)DecodeObject(typeof(T), value, "", report, options ?? Strict);

    private static object DecodeObject([DynamicallyAccessedMembers(ModelMembers.Kept)] Type type, ObjectProperty value,
        string path, MappingReport report, Options options)
    {
        var model = ObjectModel.Of(type);
        var target = Activator.CreateInstance(type)!;
        foreach (var (key, raw) in value.Fields)
        {
            if (key.StartsWith("__", StringComparison.Ordinal)) continue; // engine-internal keys
            var childPath = PropertyPath.Field(path, key);
            if (!model.ByWireName.TryGetValue(key, out var prop))
            {
                if (options.RejectUnknownProperties)
                    report.Fail(childPath, UnknownPropertyMessage(key, model));
                continue;
            }
            var decoded = DecodeValue(prop.Shape, raw, childPath, report, options);
            if (decoded is not null) prop.Info.SetValue(target, decoded);
        }
        if (options.EnforceRequired)
        {
            foreach (var prop in model.Inputs.Where(p => p.Required))
            {
                var present = value.Fields.TryGetValue(prop.WireName, out var v) && !v.Unsecret().IsNull;
                if (!present)
                    report.Fail(PropertyPath.Field(path, prop.WireName),
                        $"missing required property '{prop.WireName}': {prop.Description}");
            }
        }
        return target;
    }

    private static object? DecodeValue(Shape shape, PropertyValue raw, string path, MappingReport report,
        Options options)
    {
        var v = raw.Unsecret();
        if (v.IsComputed)
        {
            report.MarkUnknown(path);
            return null;
        }
        if (v.IsNull) return null;
        if (options.LenientStrings && v is StringProperty s && shape.Kind != ShapeKind.String
            && shape.Kind != ShapeKind.Enum)
            v = FromConfigString(shape, s.Value, path, report);
        if (v is null) return null;

        switch (shape.Kind)
        {
            case ShapeKind.String:
                if (v is StringProperty str) return str.Value;
                // Numbers and booleans are accepted where strings are expected: YAML users write `vlans: 22`.
                if (v is NumberProperty n) return n.Value.ToString(CultureInfo.InvariantCulture);
                if (v is BoolProperty b) return b.Value ? "true" : "false";
                break;
            case ShapeKind.Boolean:
                if (v is BoolProperty bb) return bb.Value;
                break;
            case ShapeKind.Integer:
                if (v is NumberProperty num)
                {
                    if (num.Value != Math.Floor(num.Value) || double.IsInfinity(num.Value))
                    {
                        report.Fail(path,
                            $"expected an integer, got {num.Value.ToString(CultureInfo.InvariantCulture)}");
                        return null;
                    }
                    if (shape.ClrType == typeof(int))
                    {
                        if (num.Value is < int.MinValue or > int.MaxValue)
                        {
                            report.Fail(path, $"{num.Value.ToString(CultureInfo.InvariantCulture)} is out of range");
                            return null;
                        }
                        return (int)num.Value;
                    }
                    return (long)num.Value;
                }
                break;
            case ShapeKind.Number:
                if (v is NumberProperty d) return d.Value;
                break;
            case ShapeKind.Enum:
                if (v is StringProperty es)
                {
                    var members = EnumValues.All(shape.ClrType);
                    var match = members.FirstOrDefault(m =>
                        string.Equals(m.Value, es.Value, StringComparison.OrdinalIgnoreCase));
                    if (match.Member is not null) return match.Member;
                    report.Fail(path,
                        $"{Quoted.Value(es.Value)} is not one of {string.Join(", ", members.Select(m => m.Value))}");
                    return null;
                }
                break;
            case ShapeKind.Array:
                if (v is ArrayProperty arr)
                {
                    var list = (IList)Activator.CreateInstance(shape.ClrType)!;
                    for (var i = 0; i < arr.Items.Length; i++)
                    {
                        var item = DecodeValue(shape.Element!, arr.Items[i], PropertyPath.Index(path, i), report,
                            options);
                        list.Add(item);
                    }
                    return list;
                }
                break;
            case ShapeKind.Map:
                if (v is ObjectProperty map)
                {
                    var dict = (IDictionary)Activator.CreateInstance(shape.ClrType)!;
                    foreach (var (k, item) in map.Fields)
                        dict[k] = DecodeValue(shape.Element!, item, PropertyPath.Key(path, k), report, options);
                    return dict;
                }
                break;
            case ShapeKind.Object:
                if (v is ObjectProperty obj) return DecodeObject(shape.ClrType, obj, path, report, options);
                break;
        }
        report.Fail(path, $"expected {Describe(shape)}, got {v.KindName} {PropertyValue.Describe(raw)}");
        return null;
    }

    private static PropertyValue? FromConfigString(Shape shape, string text, string path, MappingReport report)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Integer:
            case ShapeKind.Number:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return
                    PropertyValue.Of(d);
                break;
            case ShapeKind.Boolean:
                if (bool.TryParse(text, out var b)) return PropertyValue.Of(b);
                break;
            case ShapeKind.Array:
            case ShapeKind.Map:
            case ShapeKind.Object:
                try
                {
                    return JsonValues.FromJson(JsonDocument.Parse(text).RootElement);
                }
                catch (JsonException)
                {
                    if (shape.Kind == ShapeKind.Array && shape.Element!.Kind == ShapeKind.String)
                        return
                            PropertyValue.Of(text.Split(',',
                            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                            .Select(PropertyValue.Of));
                }
                break;
        }
        report.Fail(path, $"expected {Describe(shape)}, got {Quoted.Value(text)}");
        return null;
    }

    public static string Describe(Shape shape) => shape.Kind switch
    {
        ShapeKind.String => "a string",
        ShapeKind.Boolean => "a boolean",
        ShapeKind.Integer => "an integer",
        ShapeKind.Number => "a number",
        ShapeKind.Enum => "one of " + string.Join(", ", EnumValues.All(shape.ClrType).Select(m => m.Value)),
        ShapeKind.Array => "a list",
        ShapeKind.Map => "a map",
        _ => "an object",
    };

    private static string UnknownPropertyMessage(string key, ObjectModel model)
    {
        var best = model.Properties.Select(p => p.WireName)
            .Select(n => (Name: n, Distance: EditDistance(n.ToLowerInvariant(), key.ToLowerInvariant())))
            .OrderBy(x => x.Distance).FirstOrDefault();
        var hint = best.Name is not null
            && best.Distance <= Math.Max(2, key.Length / 3) ? $" (did you mean '{best.Name}'?)" : "";
        return $"unknown property '{key}'{hint}; known " +
            $"properties: {string.Join(", ", model.Inputs.Select(p => p.WireName))}";
    }

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1),
                    d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    /// <summary>
    /// Encodes a record; properties declared secret are wrapped so state never holds them in plaintext.
    /// </summary>
    public static ObjectProperty Encode<[DynamicallyAccessedMembers(ModelMembers.Kept)] T>(T value,
        bool inputsOnly = false) where T : class =>
        EncodeObject(typeof(T), value, inputsOnly);

    private static ObjectProperty EncodeObject([DynamicallyAccessedMembers(ModelMembers.Kept)] Type type, object value,
        bool inputsOnly = false)
    {
        var model = ObjectModel.Of(type);
        var fields = new List<KeyValuePair<string, PropertyValue>>();
        foreach (var prop in model.Properties)
        {
            if (inputsOnly && !prop.IsInput) continue;
            var v = prop.Info.GetValue(value);
            if (v is null) continue;
            var encoded = EncodeValue(prop.Shape, v);
            fields.Add(KeyValuePair.Create(prop.WireName, prop.IsSecret ? PropertyValue.Secret(encoded) : encoded));
        }
        return (ObjectProperty)PropertyValue.Of(fields);
    }

    private static PropertyValue EncodeValue(Shape shape, object? v)
    {
        if (v is null) return PropertyValue.Null;
        return shape.Kind switch
        {
            ShapeKind.String => PropertyValue.Of((string)v),
            ShapeKind.Boolean => PropertyValue.Of((bool)v),
            ShapeKind.Integer => PropertyValue.Of(Convert.ToDouble(v, CultureInfo.InvariantCulture)),
            ShapeKind.Number => PropertyValue.Of((double)v),
            ShapeKind.Enum => PropertyValue.Of(EnumValues.ToWire(shape.ClrType, v)),
            ShapeKind.Array =>
                PropertyValue.Of(((IEnumerable)v).Cast<object?>().Select(i => EncodeValue(shape.Element!, i))),
            ShapeKind.Map =>
                PropertyValue.Of(((IDictionary)v).Keys.Cast<string>().OrderBy(k => k, StringComparer.Ordinal)
                .Select(k => KeyValuePair.Create(k, EncodeValue(shape.Element!, ((IDictionary)v)[k])))),
            ShapeKind.Object => EncodeObject(shape.ClrType, v),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
    }
}
