using System.Globalization;
using System.Text;

namespace Mvm.Core;

/// <summary>
/// A user's value as Check messages (and other errors) quote it: in double quotes, with what
/// would not show or would break the line escaped (a newline as <c>\n</c>, other control and
/// invisible format characters as <c>\u200B</c>, a quote as <c>\"</c>), cut after
/// <see cref="MaxShown"/> characters with an ellipsis and the full length. Every message that
/// repeats a value goes through here, so a value with a newline or 300 characters never makes a
/// message that hides or misplaces the problem.
/// </summary>
public static class Quoted
{
    public const int MaxShown = 60;

    /// <summary>The value quoted and escaped, cut after <see cref="MaxShown"/> characters.</summary>
    public static string Value(string? value) => Quote(value, MaxShown);

    /// <summary>
    /// The value quoted and escaped, never cut: for keys inside property paths (`cephConfig["a\nb"]`).
    /// </summary>
    public static string Full(string? value) => Quote(value, int.MaxValue);

    private static string Quote(string? value, int max)
    {
        if (value is null) return "null";
        var sb = new StringBuilder(value.Length + 2).Append('"');
        var shown = 0;
        var e = StringInfo.GetTextElementEnumerator(value);
        while (e.MoveNext())
        {
            if (shown == max)
            {
                sb.Append("\"… (").Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
                return sb.ToString();
            }
            Append(sb, (string)e.Current);
            shown++;
        }
        return sb.Append('"').ToString();
    }

    private static void Append(StringBuilder sb, string element)
    {
        for (var i = 0; i < element.Length; i++)
        {
            var c = element[i];
            if (char.IsHighSurrogate(c) && i + 1 < element.Length && char.IsLowSurrogate(element[i + 1]))
            {
                sb.Append(c).Append(element[++i]);
                continue;
            }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\0': sb.Append("\\0"); break;
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (NeedsEscape(c)) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
    }

    // Control characters, invisible format characters (zero-width space, bidi overrides), line and
    // paragraph separators, lone surrogates and non-characters: nothing a reader could see or copy.
    private static bool NeedsEscape(char c) => char.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned =>
                true,
        UnicodeCategory.SpaceSeparator => c != ' ',
        UnicodeCategory.Surrogate => true,
        _ => false,
    };
}
