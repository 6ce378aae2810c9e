using System.Text;

namespace Mvm.Tests.Unit.Architecture;

/// <summary>
/// C# source with comments and the text of string and char literals blanked out (line breaks kept), so a
/// scan for references sees only code: a message mentioning "Mvm.Framework." is not a dependency. The code in
/// interpolation holes stays, since it is code. Enough of the lexical grammar for the provider's sources:
/// line/block comments, regular, verbatim, interpolated and raw (""" …) strings, char literals.
/// </summary>
public static class CodeText
{
    public static string Strip(string source)
    {
        var output = new StringBuilder(source.Length);
        var end = Code(source, 0, output, inHole: false);
        if (end != source.Length) throw new FormatException($"unbalanced '}}' at offset {end}");
        return output.ToString();
    }

    // Copies code from i until the end, or (inHole) until the '}' that closes an interpolation hole,
    // returning the index of that '}'.
    private static int Code(string s, int i, StringBuilder o, bool inHole)
    {
        var depth = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '/' && At(s, i + 1) == '/')
            {
                while (i < s.Length && s[i] != '\n') Blank(o, s[i++]);
            }
            else if (c == '/' && At(s, i + 1) == '*')
            {
                var close = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                var stop = close < 0 ? s.Length : close + 2;
                while (i < stop) Blank(o, s[i++]);
            }
            else if (c == '\'')
            {
                i = CharLiteral(s, i, o);
            }
            else if (StringStart(s, i) is { } start)
            {
                i = StringLiteral(s, i, start, o);
            }
            else
            {
                if (c == '{') depth++;
                if (c == '}' && depth-- == 0 && inHole) return i;
                o.Append(c);
                i++;
            }
        }
        return i;
    }

    private readonly record struct Start(int Dollars, bool Verbatim, int Quotes, int Length);

    // A string literal starting at i: `"`, `@"`, `$"`, `$@"`/`@$"`, or raw `$*"""…`.
    private static Start? StringStart(string s, int i)
    {
        var j = i;
        var dollars = 0;
        var verbatim = false;
        while (j < s.Length && (s[j] == '$' || s[j] == '@'))
        {
            if (s[j] == '$') dollars++;
            else verbatim = true;
            j++;
        }
        if (j >= s.Length || s[j] != '"') return null;
        var quotes = 0;
        while (j + quotes < s.Length && s[j + quotes] == '"') quotes++;
        // `""` is an empty string, not the start of a raw literal.
        if (quotes >= 3 && !verbatim) return new Start(dollars, false, quotes, j + quotes - i);
        return new Start(dollars, verbatim, 1, j + 1 - i);
    }

    private static int StringLiteral(string s, int i, Start start, StringBuilder o)
    {
        o.Append(' ', start.Length);
        i += start.Length;
        var raw = start.Quotes >= 3;
        var holeBraces = raw ? Math.Max(start.Dollars, 1) : 1;
        while (i < s.Length)
        {
            var c = s[i];
            if (raw && c == '"' && Run(s, i, '"') >= start.Quotes)
            {
                o.Append(' ', start.Quotes);
                return i + start.Quotes;
            }
            if (!raw && c == '"')
            {
                if (start.Verbatim && At(s, i + 1) == '"') { o.Append("  "); i += 2; continue; }
                o.Append(' ');
                return i + 1;
            }
            if (!raw && !start.Verbatim && c == '\\') { Blank(o, c); Blank(o, At(s, i + 1)); i += 2; continue; }
            if (start.Dollars > 0 && c == '{')
            {
                var run = Run(s, i, '{');
                if (!raw && run >= 2) { o.Append("  "); i += 2; continue; } // `{{` is a literal brace
                if (run < holeBraces) { o.Append(' ', run); i += run; continue; }
                o.Append(' ', run);
                i = Code(s, i + run, o, inHole: true);
                var closing = Math.Min(Run(s, i, '}'), holeBraces);
                o.Append(' ', closing);
                i += closing;
                continue;
            }
            Blank(o, c);
            i++;
        }
        return i;
    }

    private static int CharLiteral(string s, int i, StringBuilder o)
    {
        var j = i + 1;
        if (At(s, j) == '\\') j++;
        j++;
        // 'x' or '\x…' ends at the next quote; anything else is not a char literal, copy the quote as code.
        var close = s.IndexOf('\'', j);
        if (close < 0 || close - i > 12) { o.Append('\''); return i + 1; }
        for (var k = i; k <= close; k++) Blank(o, s[k]);
        return close + 1;
    }

    private static int Run(string s, int i, char c)
    {
        var n = 0;
        while (i + n < s.Length && s[i + n] == c) n++;
        return n;
    }

    private static char At(string s, int i) => i < s.Length ? s[i] : '\0';

    private static void Blank(StringBuilder o, char c) => o.Append(c == '\n' ? '\n' : ' ');
}
