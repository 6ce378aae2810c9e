using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>
/// Shapes checked inputs before they go back to the engine: schema defaults filled in (so state
/// shows what was applied) and secret properties wrapped (so state never holds them in plaintext).
/// </summary>
public static class InputNormalizer
{
    public static ObjectProperty Normalize([DynamicallyAccessedMembers(ModelMembers.Kept)] Type type,
        ObjectProperty value) =>
        NormalizeObject(ObjectModel.Of(type), value);

    private static ObjectProperty NormalizeObject(ObjectModel model, ObjectProperty value)
    {
        var result = value;
        foreach (var prop in model.Inputs)
        {
            var current = value[prop.WireName];
            if (current is null || current.IsNull)
            {
                if (prop.Input!.Default is null) continue;
                current = DefaultValue(prop.Shape, prop.Input.Default);
            }
            var normalized = NormalizeValue(prop.Shape, current);
            if (prop.IsSecret && !normalized.IsComputed) normalized = PropertyValue.Secret(normalized);
            result = result.With(prop.WireName, normalized);
        }
        return result;
    }

    private static PropertyValue NormalizeValue(Shape shape, PropertyValue v)
    {
        var secret = v.IsSecret;
        var inner = v.Unsecret();
        PropertyValue normalized = (shape.Kind, inner) switch
        {
            (ShapeKind.Object, ObjectProperty o) => NormalizeObject(ObjectModel.Of(shape.ClrType), o),
            (ShapeKind.Array, ArrayProperty a) =>
                PropertyValue.Of(a.Items.Select(i => NormalizeValue(shape.Element!, i))),
            (ShapeKind.Map, ObjectProperty m) =>
                PropertyValue.Of(m.Fields.Select(kv =>
                KeyValuePair.Create(kv.Key, NormalizeValue(shape.Element!, kv.Value)))),
            _ => inner,
        };
        return secret ? PropertyValue.Secret(normalized) : normalized;
    }

    public static PropertyValue DefaultValue(Shape shape, object value) => value switch
    {
        string s => PropertyValue.Of(s),
        bool b => PropertyValue.Of(b),
        int or long or double => PropertyValue.Of(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        Enum e => PropertyValue.Of(EnumValues.ToWire(shape.ClrType, e)),
        _ => throw new NotSupportedException($"default of type {value.GetType()}"),
    };

    /// <summary>Outputs whose input was secret stay secret, even if the schema does not say so.</summary>
    public static ObjectProperty CarrySecretness(ObjectProperty outputs, ObjectProperty inputs)
    {
        var result = outputs;
        foreach (var (key, input) in inputs.Fields)
            if (input.ContainsSecret() && outputs[key] is { IsSecret: false } o && !o.IsNull)
                result = result.With(key, PropertyValue.Secret(o));
        return result;
    }
}
