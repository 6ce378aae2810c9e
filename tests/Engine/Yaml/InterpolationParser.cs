using System.Globalization;
using System.Text;

namespace Mvm.EngineHarness.Yaml;

/// <summary>
/// Parses Pulumi YAML string interpolation: `${res.prop[0].sub}`, text around references, `$${` as a literal `${`.
/// A string that is exactly one reference becomes a <see cref="SymbolExpr"/> so it keeps the referenced type.
/// </summary>
public static class InterpolationParser
{
    public static Expr Parse(string text, SourceLocation location)
    {
        var parts = new List<InterpolationPart>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && Next(text, i + 1, "${"))
            {
                literal.Append("${"); // "$${" escapes a literal "${"
                i += 3;
                continue;
            }
            if (text[i] == '$' && Next(text, i + 1, "{"))
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                    throw new ProgramException(location, $"unterminated interpolation in \"{text}\": missing '}}'");
                if (literal.Length > 0)
                {
                    parts.Add(new InterpolationPart(literal.ToString(), null));
                    literal.Clear();
                }
                parts.Add(new InterpolationPart(null, ParseAccess(text[(i + 2)..close], location)));
                i = close + 1;
                continue;
            }
            literal.Append(text[i]);
            i++;
        }
        if (literal.Length > 0)
            parts.Add(new InterpolationPart(literal.ToString(), null));

        if (parts.Count == 1 && parts[0].Access is { } only)
            return new SymbolExpr(only, location);
        if (parts.All(p => p.Access is null))
            return new StringExpr(string.Concat(parts.Select(p => p.Text)), location);
        return new InterpolateExpr(parts, location);
    }

    private static bool Next(string text, int at, string expected)
        => at + expected.Length <= text.Length && string.CompareOrdinal(text, at, expected, 0, expected.Length) == 0;

    /// <summary>Parses `root(.name|[n]|["key"])*`. Root names may contain '-' and ':' (resource names, namespaced config).</summary>
    public static PropertyAccess ParseAccess(string text, SourceLocation location)
    {
        var s = text.Trim();
        var i = 0;
        while (i < s.Length && s[i] != '.' && s[i] != '[')
            i++;
        var root = s[..i];
        if (root.Length == 0 || !root.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or ':'))
            throw new ProgramException(location, $"invalid reference '${{{text}}}': expected a name before '.' or '['");
        var accessors = new List<Accessor>();
        while (i < s.Length)
        {
            if (s[i] == '.')
            {
                var start = ++i;
                while (i < s.Length && s[i] != '.' && s[i] != '[')
                    i++;
                var name = s[start..i];
                if (name.Length == 0)
                    throw new ProgramException(location, $"invalid reference '${{{text}}}': empty property name");
                accessors.Add(new PropertyAccessor(name));
            }
            else if (s[i] == '[')
            {
                var close = s.IndexOf(']', i);
                if (close < 0)
                    throw new ProgramException(location, $"invalid reference '${{{text}}}': missing ']'");
                var inner = s[(i + 1)..close].Trim();
                if (inner.Length >= 2 && inner[0] == '"' && inner[^1] == '"')
                    accessors.Add(new KeyAccessor(inner[1..^1]));
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    accessors.Add(new IndexAccessor(index));
                else
                    throw new ProgramException(location, $"invalid reference '${{{text}}}': index '{inner}' is neither a number nor a quoted key");
                i = close + 1;
            }
            else
            {
                throw new ProgramException(location, $"invalid reference '${{{text}}}' at '{s[i..]}'");
            }
        }
        return new PropertyAccess(root, accessors);
    }
}
