using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Mvm.Core;

namespace Mvm.Framework;

public enum ShapeKind { String, Boolean, Integer, Number, Enum, Array, Map, Object }

/// <summary>The shape of a property's value, derived once from its CLR type.</summary>
public sealed class Shape
{
    private Shape(ShapeKind kind, [DynamicallyAccessedMembers(ModelMembers.Kept)] Type clrType, Shape? element)
    {
        Kind = kind;
        ClrType = clrType;
        Element = element;
    }

    public ShapeKind Kind { get; }
    [DynamicallyAccessedMembers(ModelMembers.Kept)]
    public Type ClrType { get; }
    /// <summary>Item shape for arrays and maps.</summary>
    public Shape? Element { get; }

    /// <summary>
    /// The shape of a record property's declared type. The trimmer cannot follow a Type from
    /// PropertyInfo.PropertyType, so the members it keeps for these types come from ModelRoots (the
    /// plugin's list of every record, list, map and enum type its resources declare; a unit test
    /// checks that list against the resources).
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "property types are rooted by ModelRoots")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "property types are rooted by ModelRoots")]
    public static Shape Of(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string)) return new Shape(ShapeKind.String, t, null);
        if (t == typeof(bool)) return new Shape(ShapeKind.Boolean, t, null);
        if (t == typeof(int) || t == typeof(long)) return new Shape(ShapeKind.Integer, t, null);
        if (t == typeof(double)) return new Shape(ShapeKind.Number, t, null);
        if (t.IsEnum) return new Shape(ShapeKind.Enum, t, null);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
            return new Shape(ShapeKind.Array, t, Of(t.GetGenericArguments()[0]));
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)
            && t.GetGenericArguments()[0] == typeof(string))
            return new Shape(ShapeKind.Map, t, Of(t.GetGenericArguments()[1]));
        if (t.IsClass && t.GetCustomAttribute<ObjectTypeAttribute>() is not null) return new Shape(ShapeKind.Object, t,
            null);
        throw new NotSupportedException($"type {t} cannot be a resource property (mark classes with [ObjectType])");
    }
}

/// <summary>One schema property of a record: wire name, shape and the attribute that declared it.</summary>
public sealed class PropertyModel
{
    public required string WireName { get; init; }
    public required PropertyInfo Info { get; init; }
    public required Shape Shape { get; init; }
    public InputAttribute? Input { get; init; }
    public OutputAttribute? Output { get; init; }

    public bool IsInput => Input is not null;
    public bool IsSecret => Input?.Secret == true || Output?.Secret == true;
    public string Description => Input?.Description ?? Output!.Description;
    public bool Required => Input?.Required == true;
}

/// <summary>The schema properties of a record type (inputs, and outputs for State types), cached.</summary>
public sealed class ObjectModel
{
    private static readonly ConcurrentDictionary<Type, ObjectModel> Cache = new();

    private ObjectModel(Type type, IReadOnlyList<PropertyModel> properties)
    {
        Type = type;
        Properties = properties;
        ByWireName = properties.ToDictionary(p => p.WireName, StringComparer.Ordinal);
    }

    public Type Type { get; }
    public IReadOnlyList<PropertyModel> Properties { get; }
    public IReadOnlyDictionary<string, PropertyModel> ByWireName { get; }
    public IEnumerable<PropertyModel> Inputs => Properties.Where(p => p.IsInput);

    public static ObjectModel Of([DynamicallyAccessedMembers(ModelMembers.Kept)] Type type) =>
        Cache.TryGetValue(type, out var model) ? model : Cache.GetOrAdd(type, Build(type));

    private static ObjectModel Build([DynamicallyAccessedMembers(ModelMembers.Kept)] Type type)
    {
        var props = new List<PropertyModel>();
        AddProperties(type, props);
        return new ObjectModel(type, props);
    }

    // Base-class properties first so Args fields precede State additions in the schema. Recursing on
    // BaseType (rather than collecting the chain in a list) keeps the trimmer's annotation on each type.
    private static void AddProperties(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type t, List<PropertyModel> props)
    {
        if (t.BaseType is { } parent && parent != typeof(object)) AddProperties(parent, props);
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            var input = p.GetCustomAttribute<InputAttribute>();
            var output = p.GetCustomAttribute<OutputAttribute>();
            if (input is null && output is null) continue;
            var name = input?.Name ?? output?.Name ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..];
            props.Add(new PropertyModel { WireName = name, Info = p, Shape = Shape.Of(p.PropertyType),
                Input = input, Output = output });
        }
    }
}

/// <summary>Wire values of enum members.</summary>
public static class EnumValues
{
    public static string ToWire([DynamicallyAccessedMembers(ModelMembers.Kept)] Type enumType, object value)
    {
        var field = enumType.GetField(value.ToString()!)!;
        return field.GetCustomAttribute<EnumValueAttribute>()?.Value ?? value.ToString()!;
    }

    public static IReadOnlyList<(string Value, string Description, object Member)> All(
        [DynamicallyAccessedMembers(ModelMembers.Kept)] Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (f.GetCustomAttribute<EnumValueAttribute>()?.Value ?? f.Name,
                          f.GetCustomAttribute<EnumValueAttribute>()?.Description ?? f.Name,
                          f.GetValue(null)!))
            .ToList();
}
