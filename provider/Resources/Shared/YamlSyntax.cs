using YamlDotNet.Core;
using YamlDotNet.Core.Tokens;
using YamlDotNet.RepresentationModel;

namespace Mvm.Resources.Shared;

/// <summary>A YAML syntax problem at a 1-based line and column.</summary>
public sealed record YamlProblem(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}

/// <summary>
/// Checks YAML the way the guest will read it (cloud-init loads user-data with PyYAML's safe_load) and reports
/// a problem with its position. YamlDotNet parses; two rules of PyYAML that YamlDotNet does not apply are
/// checked on top: characters YAML 1.1 does not allow, and tabs outside quoted values, block text and comments.
/// The content itself is never echoed: it may hold credentials.
/// </summary>
public static class YamlSyntax
{
    // A misplaced tab wins over a parse error: YamlDotNet places "found invalid tab as indentation" at the
    // start of the document, while the tab rule names the tab's own line and column.
    public static YamlProblem? FindProblem(string text) =>
        DisallowedCharacter(text) ?? MisplacedTab(text) ?? Parse(text);

    private static YamlProblem? Parse(string text)
    {
        try
        {
            new YamlStream().Load(new StringReader(text));
            return null;
        }
        catch (YamlException e)
        {
            var message = (e.InnerException as YamlException)?.Message ?? e.Message;
            // YamlDotNet prefixes messages with the mark; keep only the explanation.
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0) message = message[(cut + 3)..];
            return new YamlProblem((int)e.Start.Line, (int)e.Start.Column, message);
        }
    }

    /// <summary>The root node of the first document, or null for an empty stream.</summary>
    public static YamlNode? Root(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    // PyYAML accepts only the YAML 1.1 printable set; YamlDotNet takes e.g. U+0007, U+007F, U+0080 or U+FFFE.
    private static YamlProblem? DisallowedCharacter(string text)
    {
        int line = 1, column = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            column++;
            var v = rune.Value;
            if (v == '\n') { line++; column = 0; continue; }
            var ok = v is 0x09 or 0x0D or 0x85 or (>= 0x20 and <= 0x7E) or (>= 0xA0 and <= 0xD7FF)
                or (>= 0xE000 and <= 0xFFFD) or >= 0x10000;
            if (!ok)
                return new YamlProblem(line, column, $"character U+{v:X4} is not allowed in YAML; " +
                    "remove it or write it as an escape in a double-quoted string");
        }
        return null;
    }

    // A document YamlDotNet cannot scan is judged as far as it could: the tokens before the error, and the
    // blanks after the last of them (the next token, quoted or not, starts after them).
    private static bool NextToken(Scanner scanner)
    {
        try
        {
            return scanner.MoveNext();
        }
        catch (YamlException)
        {
            return false;
        }
    }

    // PyYAML takes a tab only inside a quoted value, in block text (after the header line) and in a comment;
    // anywhere else ("key:\tvalue", "[a,\tb]", "a\tb" as a plain value) it fails, where YamlDotNet often
    // takes it. YamlDotNet's tokens say where those places are.
    private static YamlProblem? MisplacedTab(string text)
    {
        if (!text.Contains('\t')) return null;
        var allowed = new List<(long From, long To)>();
        long scanned = 0;
        var scanner = new Scanner(new StringReader(text), skipComments: false);
        while (NextToken(scanner))
        {
            var token = scanner.Current!;
            scanned = Math.Max(scanned, token.End.Index);
            switch (token)
            {
                case Scalar { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted }:
                case Comment:
                    allowed.Add((token.Start.Index, token.End.Index));
                    break;
                case Scalar { Style: ScalarStyle.Literal or ScalarStyle.Folded }:
                    var body = text.IndexOf('\n', (int)token.Start.Index);
                    if (body >= 0) allowed.Add((body, token.End.Index));
                    break;
            }
        }
        var judged = (int)scanned;
        while (judged < text.Length && text[judged] is ' ' or '\t' or '\r' or '\n') judged++;
        int line = 1, column = 0;
        for (var i = 0; i < judged; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; column = 0; continue; }
            // PyYAML drops a leading byte order mark: columns count from after it.
            if (i == 0 && c == '\uFEFF') continue;
            column++;
            if (c == '\t' && !allowed.Any(a => i >= a.From && i < a.To))
                return new YamlProblem(line, column, "a tab character where YAML needs spaces (cloud-init's YAML " +
                    "parser rejects tabs outside quoted values and block text); use spaces");
        }
        return null;
    }
}
