using System.Text.RegularExpressions;

namespace Mvm.Framework;

/// <summary>Property paths as Pulumi prints them: `hosts[2].dataDevices[1]`, `tags["a.b"]`.</summary>
public static partial class PropertyPath
{
    public static string Field(string parent, string name)
    {
        var simple = SimpleName().IsMatch(name);
        if (parent.Length == 0) return simple ? name : $"[\"{name}\"]";
        return simple ? $"{parent}.{name}" : $"{parent}[\"{name}\"]";
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Key(string parent, string key) => $"{parent}[\"{key.Replace("\"", "\\\"")}\"]";

    /// <summary>The top-level property a path starts with.</summary>
    public static string Root(string path)
    {
        if (path.StartsWith("[\"", StringComparison.Ordinal))
        {
            var end = path.IndexOf("\"]", 2, StringComparison.Ordinal);
            return end < 0 ? path : path[2..end];
        }
        var cut = path.IndexOfAny(['.', '[']);
        return cut < 0 ? path : path[..cut];
    }

    /// <summary>
    /// True if `path` equals `pattern` or lies under it. `[*]` in the pattern matches any index,
    /// as in ignoreChanges paths.
    /// </summary>
    public static bool IsUnder(string path, string pattern)
    {
        var regex = "^" + Regex.Escape(pattern).Replace(@"\[\*]", @"\[[^\]]+]") + @"($|\.|\[)";
        return Regex.IsMatch(path, regex);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SimpleName();
}
