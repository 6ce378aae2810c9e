using Mvm.Protocol;

namespace Mvm.Resources.Shared;

/// <summary>
/// Context-dependent defaults filled in by Check (schema defaults are constants and live on the attributes).
/// </summary>
public static class Defaults
{
    /// <summary>Sets `key` to the Pulumi resource name when the user left it out (not when it is unknown).</summary>
    public static ObjectProperty NameFromResource(ObjectProperty news, string resourceName, string key = "name") =>
        IsAbsent(news[key]) ? news.With(key, PropertyValue.Of(resourceName)) : news;

    /// <summary>True when the property is absent or null; unknown (preview) values are present.</summary>
    public static bool IsAbsent(PropertyValue? v) => v is null || v.Unsecret().IsNull;

    /// <summary>A known whole number, or null when absent, unknown or not a whole number.</summary>
    public static long? KnownInteger(PropertyValue? v) =>
        v?.Unsecret() is NumberProperty n && n.Value == Math.Floor(n.Value) && Math.Abs(n.Value) < 1e15
            ? (long)n.Value
            : null;

    /// <summary>Ceph's own default min_size for a replicated pool of `size` copies: size - size/2.</summary>
    public static long CephMinSize(long size) => size - size / 2;
}
