namespace Mvm.Core;

// Enum wire names live in the core so a tool client's enum (e.g. DomainType) is the one the schema
// shows: one model per concept, no twin enum in the resource layer mapped by hand.

/// <summary>A string enum type, emitted under schema "types".</summary>
[AttributeUsage(AttributeTargets.Enum)]
public sealed class EnumTypeAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;
}

/// <summary>The wire value and meaning of one enum member.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class EnumValueAttribute(string value, string description) : Attribute
{
    public string Value { get; } = value;
    public string Description { get; } = description;
}
