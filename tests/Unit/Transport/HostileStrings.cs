using System.Text;

namespace Mvm.Tests.Transport;

/// <summary>
/// Arguments that break naive command building: shell quoting and expansion, operators,
/// newlines, globs, option-like words, control characters and non-ASCII text. Every one must
/// reach the remote program as exactly one argument with the same bytes. Shared by the unit
/// tests (quoted and run by a local shell) and the lab tests (sent to real hosts).
/// </summary>
public static class HostileStrings
{
    public static IReadOnlyList<string> Corpus()
    {
        var basics = new List<string>
        {
            "", " ", "  ", "\t", " leading", "trailing ", " both ", "two  spaces", "tab\there",
            // quotes and backslashes
            "'", "''", "'''", "\"", "\"\"", "\"'\"", "'\"'", "it's", "\\'", "'\\''", "a'b'c", "'unbalanced", "unbalanced\"",
            "\\", "\\\\", "\\n", "\\$HOME", "abc\\", "\\\"", "\\`", "'$(id)'", "\"$(id)\"", "\"`id`\"",
            // expansions
            "$(id)", "`id`", "${HOME}", "$HOME", "$0", "$1", "$$", "$?", "$@", "$*", "$#", "$!", "$-", "$_",
            "$(rm -rf /tmp/mvm-hostile)", "$((1+1))", "<(id)", ">(id)", "${IFS}", "$'\\x41'", "$\"x\"", "${x:-y}", "${#x}",
            // operators
            ";", ";;", "&", "&&", "||", "|", "a;b", "; rm -rf /", "> /tmp/mvm-hostile", ">>", "<", "<<EOF", "2>&1",
            "&>/dev/null", "(", ")", "{", "}", "{a,b}", "{1..3}", "a|b", "a&b", "a&&b", "!", "!!", "!$", "^x^y",
            // newlines and carriage returns
            "\n", "a\nb", "\r\n", "\r", "line\n", "\nline", "\n\n\n", "a\n; id\n", "x\r\ny", "one\ntwo\nthree",
            // globs and tilde
            "*", "?", "[a-z]", "/*", ".*", "**/*", "[!a]", "[]", "[", "]", "~", "~root", "~/x", "a*b", "/etc/pass*", "*.conf",
            // option-like words
            "-", "--", "-n", "-e", "-E", "--help", "-rf", "--version", "-oProxyCommand=id", "-- -x", "-c", "-s", "-S", "-u root",
            // assignments, keywords, comments
            "A=B", "PATH=/nonexistent", "=", "==", "if", "then", "fi", "time", "[[", "]]", "function", "case", "do", "done",
            "#", "# comment", "a#b", " #x", "#!/bin/sh",
            // printf formats (the lab decodes with printf)
            "%s", "%n", "%%", "%d%d", "%b", "\\0", "\\x00", "%c",
            // non-ASCII
            "é", "日本語", "emoji 🙂", "Ω≈ç√", "שלום", "zero\u200bwidth", "\ufeffbom", "e\u0301", "ﬁ", "nbsp\u00a0x",
            "ls\u2028ps", "nel\u0085x", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Привет мир", "مرحبا",
            // escape sequences and delete
            "\u001b[31mred\u001b[0m", "\u007f", "bell\u0007", "\u001emvm-started 1\u001e", "MVM-0000 0 0",
        };
        var all = new List<string>(basics);
        // Every control character except NUL, alone and embedded.
        for (var c = 1; c < 32; c++)
        {
            all.Add(((char)c).ToString());
            all.Add($"a{(char)c}b");
        }
        // Combinations: hostile fragments glued together, as real values (paths, keys, JSON) are.
        string[] fragments = ["'", "\"", "$(id)", "`id`", ";", "\n", "*", "-", "\\", " ", "é", "$"];
        foreach (var a in fragments)
            foreach (var b in fragments)
                all.Add(a + "x" + b);
        all.Add(new string('a', 1000));
        all.Add(string.Concat(Enumerable.Repeat("'\"$`\\ ;\n*", 200)));
        all.Add("{\"json\": [\"a'b\", \"$(c)\", \"\\n\"]}");
        all.Add("--key=value with spaces; and 'quotes'");
        return all;
    }

    /// <summary>How many bytes the corpus is, to keep one command line under the remote limit.</summary>
    public static int Utf8Bytes(IEnumerable<string> args) => args.Sum(a => Encoding.UTF8.GetByteCount(a));
}
