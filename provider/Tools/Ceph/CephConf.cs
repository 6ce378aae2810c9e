using System.Text;
using System.Text.RegularExpressions;

namespace Mvm.Tools;

/// <summary>
/// A ceph.conf as text: sections of `key = value` lines. An option is changed in place and every
/// other line (comments, blank lines, options the provider does not know) is kept as it was, so
/// a file read and written back unchanged is byte for byte the same. Option names compare as
/// Ceph compares them: `mon_host`, `mon host` and `mon-host` are one option.
/// </summary>
public sealed partial class CephConf
{
    /// <summary>Where Ceph daemons and clients read the cluster `ceph` from.</summary>
    public const string DefaultPath = "/etc/ceph/ceph.conf";

    private readonly List<string> _lines;
    private readonly bool _finalNewline;

    private CephConf(List<string> lines, bool finalNewline)
    {
        _lines = lines;
        _finalNewline = finalNewline;
    }

    public static CephConf Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var finalNewline = text.EndsWith('\n');
        var lines = (finalNewline ? text[..^1] : text).Split('\n').ToList();
        return new CephConf(text.Length == 0 ? [] : lines, finalNewline);
    }

    public string ToText()
    {
        var text = string.Join('\n', _lines);
        return _finalNewline ? text + "\n" : text;
    }

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(ToText());

    /// <summary>
    /// The value of <paramref name="key"/> in <paramref name="section"/> (the last one when set twice, as Ceph reads
    /// it), or null.
    /// </summary>
    public string? Get(string section, string key)
    {
        string? value = null;
        foreach (var (_, s, k, v) in Options())
            if (s == section && SameKey(k, key)) value = v;
        return value;
    }

    /// <summary>
    /// Sets <paramref name="key"/> in <paramref name="section"/>: every line that sets it becomes
    /// `key = value`; when none does, the line is added at the end of the section (the section is
    /// added when missing). Returns whether the text changed.
    /// </summary>
    public bool Set(string section, string key, string value)
    {
        CheckWord(section, nameof(section));
        CheckWord(key, nameof(key));
        if (value.Length == 0 || value.Any(char.IsControl) || value != value.Trim())
            throw new ArgumentException($"a ceph.conf value is one line without leading or trailing blanks, got " +
                $"\"{value}\"", nameof(value));
        var line = $"{key} = {value}";
        var matches = Options().Where(o => o.Section == section && SameKey(o.Key, key)).Select(o => o.Index).ToList();
        if (matches.Count > 0)
        {
            var changed = false;
            foreach (var i in matches)
            {
                if (_lines[i] == line) continue;
                _lines[i] = line;
                changed = true;
            }
            return changed;
        }
        var header = _lines.FindIndex(l => SectionOf(l) == section);
        if (header < 0)
        {
            _lines.AddRange([$"[{section}]", line]);
            return true;
        }
        var end = header + 1;
        while (end < _lines.Count && SectionOf(_lines[end]) is null) end++;
        // After the section's last non-blank line, so a blank line between sections stays between them.
        while (end > header + 1 && _lines[end - 1].Trim().Length == 0) end--;
        _lines.Insert(end, line);
        return true;
    }

    private IEnumerable<(int Index, string? Section, string Key, string Value)> Options()
    {
        string? section = null;
        for (var i = 0; i < _lines.Count; i++)
        {
            if (SectionOf(_lines[i]) is { } s)
            {
                section = s;
                continue;
            }
            var m = OptionLine().Match(_lines[i]);
            if (m.Success) yield return (i, section, m.Groups["key"].Value, m.Groups["value"].Value);
        }
    }

    private static string? SectionOf(string line) =>
        SectionLine().Match(line) is { Success: true } m ? m.Groups["name"].Value : null;

    private static bool SameKey(string a, string b) => Normal(a) == Normal(b);

    private static string Normal(string key) =>
        string.Join('_', key.Split([' ', '_', '-'], StringSplitOptions.RemoveEmptyEntries));

    private static void CheckWord(string word, string what)
    {
        if (!Word().IsMatch(word)) throw new ArgumentException($"\"{word}\" is not a ceph.conf {what} name", what);
    }

    [GeneratedRegex(@"\A\s*\[(?<name>[^\]]+)\]\s*\z")]
    private static partial Regex SectionLine();

    // `key = value`, a comment (# or ;) after the value not part of it; lines starting with # or ; are comments.
    [GeneratedRegex(@"\A\s*(?<key>[A-Za-z0-9_][A-Za-z0-9_ -]*?)\s*=\s*(?<value>[^#;]*?)\s*(?:[#;].*)?\z")]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"\A[A-Za-z0-9_.-]+\z")]
    private static partial Regex Word();

    /// <summary>
    /// `sed -n s/^KEY *= *//p PATH`: the value of one option as the provider wrote it (at the start
    /// of its line), empty when the file lacks it; null when the file cannot be read.
    /// </summary>
    public static ToolCall<string?> ReadOption(string path, string key)
    {
        if (!path.StartsWith('/')) throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));
        // The key becomes part of the sed program: only lower-case letters and '_'.
        if (!OptionKey().IsMatch(key)) throw new ArgumentException($"\"{key}\" is not a ceph.conf option this reader " +
            $"takes", nameof(key));
        return new(["sed", "-n", $"s/^{key} *= *//p", path], null, r => r.ExitCode == 0 ? r.StdoutText.Trim() : null);
    }

    [GeneratedRegex(@"\A[a-z_]+\z")]
    private static partial Regex OptionKey();
}
