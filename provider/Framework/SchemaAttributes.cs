namespace Mvm.Framework;

/// <summary>Marks a resource class; its token is mvm:{Module}:{Name}.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ResourceTypeAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;
    public string Module { get; init; } = "index";
}

/// <summary>A nested object type, emitted under schema "types" as mvm:index:{Name}.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ObjectTypeAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;
}

/// <summary>A property the user sets. Its wire name is the camelCased C# name unless Name is given.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class InputAttribute(string description) : Attribute
{
    public string Description { get; } = description;
    public string? Name { get; init; }
    public bool Required { get; init; }
    public bool Secret { get; init; }
    /// <summary>Changing it replaces the resource (the real object cannot change in place).</summary>
    public bool ReplaceOnChanges { get; init; }
    /// <summary>Value filled in by Check when the user leaves the property out.</summary>
    public object? Default { get; init; }
    /// <summary>Environment variable consulted when the property is absent (provider config only).</summary>
    public string? Env { get; init; }
    /// <summary>
    /// For lists of objects: the field that identifies an item, so diffs follow items, not positions.
    /// </summary>
    public string? ListKey { get; init; }
}

/// <summary>A property the provider computes and reports.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OutputAttribute(string description) : Attribute
{
    public string Description { get; } = description;
    public string? Name { get; init; }
    public bool Secret { get; init; }
    /// <summary>Always present once the resource exists (listed under schema "required").</summary>
    public bool Always { get; init; }
    /// <summary>Does not change on update, so preview can show the old value instead of unknown.</summary>
    public bool Stable { get; init; }
}
