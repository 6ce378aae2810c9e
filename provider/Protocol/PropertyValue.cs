using System.Collections.Immutable;
using System.Globalization;

namespace Mvm.Protocol;

/// <summary>
/// A Pulumi property value as the engine sends it, decoded: plain JSON-like values plus secrets,
/// unknowns (preview-only placeholders for values not known yet) and opaque special objects.
/// </summary>
public abstract class PropertyValue
{
    public static readonly PropertyValue Null = new NullProperty();
    public static readonly PropertyValue Computed = new ComputedProperty();

    public static PropertyValue Of(bool b) => new BoolProperty(b);
    public static PropertyValue Of(double d) => new NumberProperty(d);
    public static PropertyValue Of(string? s) => s is null ? Null : new StringProperty(s);
    public static PropertyValue Of(IEnumerable<PropertyValue> items) => new ArrayProperty(items.ToImmutableArray());
    public static PropertyValue Of(IEnumerable<KeyValuePair<string, PropertyValue>> fields) =>
        new ObjectProperty(fields.ToImmutableSortedDictionary(StringComparer.Ordinal));
    public static PropertyValue Secret(PropertyValue inner) =>
        inner is SecretProperty ? inner : new SecretProperty(inner);

    public bool IsNull => this is NullProperty;
    public bool IsComputed => this is ComputedProperty;
    public bool IsSecret => this is SecretProperty;

    /// <summary>The value with any secret wrapper removed (one level; secrets never nest).</summary>
    public PropertyValue Unsecret() => this is SecretProperty s ? s.Inner : this;

    /// <summary>True if this value or anything inside it is unknown.</summary>
    public bool ContainsComputed() => this switch
    {
        ComputedProperty => true,
        SecretProperty s => s.Inner.ContainsComputed(),
        ArrayProperty a => a.Items.Any(i => i.ContainsComputed()),
        ObjectProperty o => o.Fields.Values.Any(v => v.ContainsComputed()),
        _ => false,
    };

    /// <summary>True if this value or anything inside it is secret.</summary>
    public bool ContainsSecret() => this switch
    {
        SecretProperty => true,
        ArrayProperty a => a.Items.Any(i => i.ContainsSecret()),
        ObjectProperty o => o.Fields.Values.Any(v => v.ContainsSecret()),
        _ => false,
    };

    /// <summary>Every string found under a secret marker (for scrubbing logs and errors).</summary>
    public IEnumerable<string> SecretStrings(bool underSecret = false)
    {
        switch (this)
        {
            case SecretProperty s:
                foreach (var x in s.Inner.SecretStrings(true)) yield return x;
                break;
            case StringProperty str when underSecret:
                yield return str.Value;
                break;
            case ArrayProperty a:
                foreach (var i in a.Items) foreach (var x in i.SecretStrings(underSecret)) yield return x;
                break;
            case ObjectProperty o:
                foreach (var v in o.Fields.Values) foreach (var x in v.SecretStrings(underSecret)) yield return x;
                break;
        }
    }

    /// <summary>Structural equality; secretness is ignored (a value that became secret did not change).</summary>
    public static bool DeepEquals(PropertyValue a, PropertyValue b)
    {
        a = a.Unsecret();
        b = b.Unsecret();
        return (a, b) switch
        {
            (NullProperty, NullProperty) => true,
            (ComputedProperty, ComputedProperty) => false, // two unknowns may still differ
            (BoolProperty x, BoolProperty y) => x.Value == y.Value,
            (NumberProperty x, NumberProperty y) => x.Value.Equals(y.Value),
            (StringProperty x, StringProperty y) => x.Value == y.Value,
            (ArrayProperty x, ArrayProperty y) => x.Items.Length == y.Items.Length &&
                x.Items.Zip(y.Items).All(p => DeepEquals(p.First, p.Second)),
            (ObjectProperty x, ObjectProperty y) => x.Fields.Count == y.Fields.Count &&
                x.Fields.All(kv => y.Fields.TryGetValue(kv.Key, out var other) && DeepEquals(kv.Value, other)),
            (OpaqueProperty x, OpaqueProperty y) => x.Raw.Equals(y.Raw),
            _ => false,
        };
    }

    public override string ToString() => Describe(this);

    /// <summary>A short human rendering for messages; secrets print as [secret].</summary>
    public static string Describe(PropertyValue v) => v switch
    {
        NullProperty => "null",
        ComputedProperty => "(unknown)",
        SecretProperty => "[secret]",
        BoolProperty b => b.Value ? "true" : "false",
        NumberProperty n => n.Value.ToString(CultureInfo.InvariantCulture),
        StringProperty s => Mvm.Core.Quoted.Value(s.Value),
        ArrayProperty a => "[" + string.Join(", ", a.Items.Select(Describe)) + "]",
        ObjectProperty o => "{" + string.Join(", ", o.Fields.Select(kv => kv.Key + ": " + Describe(kv.Value))) + "}",
        _ => "(object)",
    };

    public string KindName => Unsecret() switch
    {
        NullProperty => "null",
        ComputedProperty => "unknown",
        BoolProperty => "boolean",
        NumberProperty => "number",
        StringProperty => "string",
        ArrayProperty => "array",
        ObjectProperty => "object",
        _ => "special object",
    };
}

public sealed class NullProperty : PropertyValue { }
public sealed class ComputedProperty : PropertyValue { }
public sealed class BoolProperty(bool value) : PropertyValue { public bool Value { get; } = value; }
public sealed class NumberProperty(double value) : PropertyValue { public double Value { get; } = value; }
public sealed class StringProperty(string value) : PropertyValue { public string Value { get; } = value; }
public sealed class SecretProperty(PropertyValue inner) : PropertyValue { public PropertyValue Inner { get; } = inner; }

public sealed class ArrayProperty(ImmutableArray<PropertyValue> items) : PropertyValue
{
    public ImmutableArray<PropertyValue> Items { get; } = items;
}

public sealed class ObjectProperty(ImmutableSortedDictionary<string, PropertyValue> fields) : PropertyValue
{
    public static readonly ObjectProperty Empty =
        new(ImmutableSortedDictionary.Create<string, PropertyValue>(StringComparer.Ordinal));
    public ImmutableSortedDictionary<string, PropertyValue> Fields { get; } = fields;

    public PropertyValue? this[string key] => Fields.TryGetValue(key, out var v) ? v : null;
    public ObjectProperty With(string key, PropertyValue value) => new(Fields.SetItem(key, value));
    public ObjectProperty Without(string key) => new(Fields.Remove(key));
}

/// <summary>Assets, archives, resource references: kept as the engine sent them and passed back untouched.</summary>
public sealed class OpaqueProperty(Google.Protobuf.WellKnownTypes.Value raw) : PropertyValue
{
    public Google.Protobuf.WellKnownTypes.Value Raw { get; } = raw;
}
