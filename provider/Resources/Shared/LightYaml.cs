namespace Mvm.Resources.Shared;

/// <summary>
/// A light, conservative YAML check that finds the mistakes that make cloud-init's parser
/// (PyYAML) reject a document, with line and column: tabs where YAML needs spaces, unknown escapes
/// and unterminated quotes, unbalanced flow brackets, malformed block scalar headers, reserved
/// characters, a continued plain value containing ": ", and characters YAML does not allow.
///
/// It tracks only what is needed to tell structure from scalar content (quoted, block and
/// multi-line plain scalars, flow nesting); it does not build the document. When unsure whether
/// text is content or structure it treats it as content, so a valid document is never reported.
/// A full parse (YamlDotNet) belongs with the seed builder of issue #5.
/// </summary>
public static class LightYaml
{
    public sealed record Problem(int Line, int Column, string Message)
    {
        public override string ToString() => $"line {Line}, column {Column}: {Message}";
    }

    public static Problem? FindProblem(string text) => new Scanner(text).Run();

    private enum Mode { Normal, Double, Single, Block, Plain, FlowPlain }

    private enum PlainEnd { EndOfLine, Colon, Comment, FlowIndicator }

    private sealed class Scanner(string text)
    {
        private readonly List<(char Open, int Line, int Column)> _flow = [];
        private Mode _mode = Mode.Normal;
        private int _quoteLine, _quoteColumn;
        private int _blockParent;
        private int? _blockIndent;
        private int _plainThreshold;
        // Column of the key or '-' whose value is still to come on a later line; -1 at document level.
        private int? _pendingParent = -1;
        private int _line;

        public Problem? Run()
        {
            if (FindDisallowedCharacter() is { } bad) return bad;
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                _line = i + 1;
                var s = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
                if (i == 0 && s.StartsWith('\uFEFF')) s = " " + s[1..]; // keep columns; a BOM is not content
                if (Line(s) is { } problem) return problem;
            }
            if (_mode is Mode.Double or Mode.Single)
                return new Problem(_quoteLine, _quoteColumn, $"this {(_mode == Mode.Double ? "double" : "single")}-quoted value is never closed");
            if (_flow.Count > 0)
            {
                var (open, line, column) = _flow[^1];
                return new Problem(line, column, $"'{open}' is never closed with '{(open == '[' ? ']' : '}')}'");
            }
            return null;
        }

        private Problem? FindDisallowedCharacter()
        {
            int line = 1, column = 0;
            foreach (var rune in text.EnumerateRunes())
            {
                column++;
                var v = rune.Value;
                if (v == '\n') { line++; column = 0; continue; }
                var ok = v is 0x09 or 0x0D or 0x85 or (>= 0x20 and <= 0x7E) or (>= 0xA0 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or >= 0x10000;
                if (!ok) return new Problem(line, column, $"character U+{v:X4} is not allowed in YAML; remove it or write it as an escape in a double-quoted string");
            }
            return null;
        }

        private Problem? Line(string s)
        {
            var indent = 0;
            while (indent < s.Length && s[indent] == ' ') indent++;
            var blank = indent == s.Length;

            switch (_mode)
            {
                case Mode.Double:
                case Mode.Single:
                    {
                        if (IsDocumentMarker(s))
                            return new Problem(_line, 1, $"a document marker inside the quoted value opened at line {_quoteLine}, column {_quoteColumn}; close the quote first");
                        var end = ScanQuoted(s, 0, _mode == Mode.Double ? '"' : '\'', out var problem);
                        if (problem is not null) return problem;
                        if (end < 0) return null;
                        _mode = Mode.Normal;
                        return Tokens(s, end, lineStart: false);
                    }
                case Mode.Block:
                    if (blank) return null;
                    if (_blockIndent is null && indent > _blockParent) _blockIndent = indent;
                    if (_blockIndent is { } bi && indent >= bi) return null;
                    _mode = Mode.Normal;
                    break;
                case Mode.Plain:
                    if (blank || s[indent] == '#') return null;
                    if (indent > _plainThreshold)
                    {
                        var (end, how, problem) = ScanPlain(s, indent, inFlow: false);
                        if (problem is not null) return problem;
                        if (how == PlainEnd.Colon)
                            return new Problem(_line, end + 1, "a value continued from the line above cannot contain ': '; quote the value, or indent this line as a key of its own");
                        if (how == PlainEnd.Comment) { _mode = Mode.Normal; _pendingParent = null; }
                        return null;
                    }
                    _mode = Mode.Normal;
                    break;
                case Mode.FlowPlain:
                    {
                        if (blank) return null;
                        if (s[indent] == '#') { _mode = Mode.Normal; return null; }
                        var (end, how, problem) = ScanPlain(s, indent, inFlow: true);
                        if (problem is not null) return problem;
                        if (how == PlainEnd.EndOfLine) return null;
                        _mode = Mode.Normal;
                        return how == PlainEnd.Comment ? null : Tokens(s, end, lineStart: false);
                    }
            }
            return Tokens(s, 0, lineStart: true);
        }

        private Problem? Tokens(string s, int pos, bool lineStart)
        {
            int? indicator = null;     // column of the key or '-' governing the node that follows on this line
            int? scalarStart = null;   // where the last node on this line started
            var open = false;          // the line ends after an indicator with its node still to come
            var hadTokens = false;

            if (lineStart && _flow.Count == 0)
            {
                if (s.StartsWith('%')) return null; // directive
                if (IsDocumentMarker(s))
                {
                    _pendingParent = -1;
                    if (s.StartsWith("...", StringComparison.Ordinal)) return null;
                    pos = 3;
                    indicator = -1;
                    open = true;
                    hadTokens = true;
                }
            }

            while (true)
            {
                while (pos < s.Length && s[pos] == ' ') pos++;
                if (pos >= s.Length) break;
                var c = s[pos];
                var next = pos + 1 < s.Length ? s[pos + 1] : '\n';
                var nextIsSpace = next is ' ' or '\t' or '\n';
                var inFlow = _flow.Count > 0;

                if (c == '\t') return TabProblem(pos);
                if (c == '#') break;
                hadTokens = true;

                if (!inFlow && c == '-' && nextIsSpace)
                {
                    indicator = pos; scalarStart = null; open = true; pos++;
                    continue;
                }
                if (c == '?' && (inFlow || nextIsSpace))
                {
                    if (!inFlow) { indicator = pos; open = true; }
                    scalarStart = null; pos++;
                    continue;
                }
                if (c == ':' && (inFlow || nextIsSpace))
                {
                    if (!inFlow) { indicator = scalarStart ?? indicator ?? pos; open = true; }
                    scalarStart = null; pos++;
                    continue;
                }
                if (c == ',' && inFlow) { pos++; continue; }
                if (c is '[' or '{')
                {
                    _flow.Add((c, _line, pos + 1));
                    if (!inFlow) scalarStart = pos;
                    open = false; pos++;
                    continue;
                }
                if (c is ']' or '}')
                {
                    if (!inFlow) return new Problem(_line, pos + 1, $"'{c}' closes nothing; quote the value if '{c}' is part of it");
                    var (o, l, col) = _flow[^1];
                    var expected = o == '[' ? ']' : '}';
                    if (c != expected) return new Problem(_line, pos + 1, $"found '{c}' but '{o}' opened at line {l}, column {col} must be closed with '{expected}' first");
                    _flow.RemoveAt(_flow.Count - 1);
                    pos++;
                    continue;
                }
                if (c is '!' or '&' or '*')
                {
                    if (c == '*') { scalarStart = pos; open = false; }
                    while (pos < s.Length && s[pos] is not (' ' or '\t') && !(inFlow && s[pos] is ',' or '[' or ']' or '{' or '}')) pos++;
                    continue;
                }
                if (c is '"' or '\'')
                {
                    scalarStart = pos; open = false;
                    var end = ScanQuoted(s, pos + 1, c, out var problem);
                    if (problem is not null) return problem;
                    if (end < 0)
                    {
                        _mode = c == '"' ? Mode.Double : Mode.Single;
                        _quoteLine = _line;
                        _quoteColumn = pos + 1;
                        _pendingParent = null;
                        return null;
                    }
                    pos = end;
                    continue;
                }
                if (c is '|' or '>' && !inFlow)
                    return BlockHeader(s, pos, indicator ?? _pendingParent ?? -1);
                if (c is '@' or '`')
                    return new Problem(_line, pos + 1, $"'{c}' is reserved and cannot start a value; quote the value");
                if (c == '%' && pos > 0)
                    return new Problem(_line, pos + 1, "'%' cannot start a value; quote the value");

                // A plain scalar.
                scalarStart = pos; open = false;
                var (plainEnd, how, plainProblem) = ScanPlain(s, pos, inFlow);
                if (plainProblem is not null) return plainProblem;
                pos = plainEnd;
                if (how == PlainEnd.EndOfLine)
                {
                    if (inFlow) { _mode = Mode.FlowPlain; return null; }
                    _mode = Mode.Plain;
                    _plainThreshold = indicator ?? _pendingParent ?? -1;
                    _pendingParent = null;
                    return null;
                }
                if (how == PlainEnd.Comment) break;
            }

            if (_flow.Count == 0 && hadTokens) _pendingParent = open ? indicator : null;
            return null;
        }

        private Problem? BlockHeader(string s, int pos, int parent)
        {
            var i = pos + 1;
            int? increment = null;
            var chomping = false;
            while (i < s.Length && i < pos + 3)
            {
                var ch = s[i];
                if (ch is '+' or '-' && !chomping) { chomping = true; i++; continue; }
                if (char.IsAsciiDigit(ch) && increment is null)
                {
                    if (ch == '0') return new Problem(_line, i + 1, "a block scalar's indentation indicator must be 1-9");
                    increment = ch - '0';
                    i++;
                    continue;
                }
                break;
            }
            if (i < s.Length && s[i] != ' ')
                return new Problem(_line, i + 1, $"after '{s[pos]}' only a chomping indicator (+ or -), an indentation digit 1-9 and a comment may follow on the same line; put the text on the next lines, indented");
            while (i < s.Length && s[i] == ' ') i++;
            if (i < s.Length && s[i] != '#')
                return s[i] == '\t'
                    ? TabProblem(i)
                    : new Problem(_line, i + 1, $"after '{s[pos]}' only a comment may follow on the same line; put the text on the next lines, indented");
            _mode = Mode.Block;
            _blockParent = parent;
            _blockIndent = increment is { } m ? parent + m : null;
            _pendingParent = null;
            return null;
        }

        /// <summary>Scans a plain scalar from `pos` to where it ends on this line.</summary>
        private (int End, PlainEnd How, Problem? Problem) ScanPlain(string s, int pos, bool inFlow)
        {
            var i = pos;
            while (true)
            {
                while (i < s.Length)
                {
                    var ch = s[i];
                    if (ch is ' ' or '\t') break;
                    if (ch == ':')
                    {
                        var n = i + 1 < s.Length ? s[i + 1] : '\n';
                        if (n is ' ' or '\t' or '\n' || (inFlow && n is ',' or '[' or ']' or '{' or '}')) return (i, PlainEnd.Colon, null);
                    }
                    if (inFlow && ch is ',' or '?' or '[' or ']' or '{' or '}') return (i, PlainEnd.FlowIndicator, null);
                    i++;
                }
                var j = i;
                while (j < s.Length && s[j] == ' ') j++;
                if (j < s.Length && s[j] == '\t') return (j, PlainEnd.EndOfLine, TabProblem(j));
                if (j >= s.Length) return (s.Length, PlainEnd.EndOfLine, null);
                if (s[j] == '#') return (j, PlainEnd.Comment, null);
                i = j;
            }
        }

        /// <summary>Scans a quoted scalar from just after its opening quote: the index after the closing quote, or -1 if it continues.</summary>
        private int ScanQuoted(string s, int pos, char quote, out Problem? problem)
        {
            problem = null;
            for (var i = pos; i < s.Length; i++)
            {
                var ch = s[i];
                if (quote == '\'')
                {
                    if (ch != '\'') continue;
                    if (i + 1 < s.Length && s[i + 1] == '\'') { i++; continue; }
                    return i + 1;
                }
                if (ch == '"') return i + 1;
                if (ch != '\\') continue;
                if (i + 1 >= s.Length) return -1; // an escaped line break continues the value
                var e = s[i + 1];
                var hex = e switch { 'x' => 2, 'u' => 4, 'U' => 8, _ => 0 };
                if (hex > 0)
                {
                    var digits = s.Length - (i + 2) >= hex ? s.Substring(i + 2, hex) : s[(i + 2)..];
                    if (digits.Length < hex || !digits.All(char.IsAsciiHexDigit))
                    {
                        problem = new Problem(_line, i + 1, $"'\\{e}' must be followed by {hex} hexadecimal digits");
                        return -1;
                    }
                    i += 1 + hex;
                    continue;
                }
                if ("0abt\tnvfre \"/\\N_LP".Contains(e)) { i++; continue; }
                problem = new Problem(_line, i + 1, $"unknown escape '\\{e}' in a double-quoted value; write '\\\\' for a backslash, or use single quotes");
                return -1;
            }
            return -1;
        }

        private Problem TabProblem(int pos) =>
            new(_line, pos + 1, "a tab character where YAML needs spaces (cloud-init's YAML parser rejects tabs outside quoted values and block text); use spaces");

        private static bool IsDocumentMarker(string s) =>
            s.Length >= 3 && (s.StartsWith("---", StringComparison.Ordinal) || s.StartsWith("...", StringComparison.Ordinal))
            && (s.Length == 3 || s[3] is ' ' or '\t');
    }
}
