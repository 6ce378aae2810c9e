using System.Text.RegularExpressions;
using Mvm.Core;

namespace Mvm.Framework;

/// <summary>Property paths as Pulumi prints them: `hosts[2].dataDevices[1]`, `tags["a.b"]`.</summary>
public static partial class PropertyPath
{
    public static string Field(string parent, string name)
    {
        var simple = SimpleName().IsWholeMatch(name);
        if (simple) return parent.Length == 0 ? name : $"{parent}.{name}";
        return Key(parent, name);
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>A map key or odd field name, quoted and escaped (a newline in a key shows as `\n`).</summary>
    public static string Key(string parent, string key) => $"{parent}[{Quoted.Full(key)}]";

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
        var regex = @"\A" + Regex.Escape(pattern).Replace(@"\[\*]", @"\[[^\]]+]") + @"(\z|\.|\[)";
        return Regex.IsMatch(path, regex);
    }

    [GeneratedRegex("\\A[A-Za-z_][A-Za-z0-9_]*\\z")]
    private static partial Regex SimpleName();
}
