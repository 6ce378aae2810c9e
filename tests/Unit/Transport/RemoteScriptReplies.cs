using System.Text;
using System.Text.RegularExpressions;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

/// <summary>
/// Lets a fake host answer a <see cref="RemoteScript"/> (`bash -s` with the script on stdin)
/// command by command: it reads each command's argv back out of the script and frames the
/// per-command replies the way the script's report function does, so clients that batch their
/// reads are tested over the same per-command fixtures as clients that do not.
/// </summary>
internal static partial class RemoteScriptReplies
{
    public static bool IsScript(IReadOnlyList<string> argv, byte[]? stdin) => stdin is not null && argv is ["bash", "-s"];

    /// <summary>The argv of each command in the script, in order.</summary>
    public static IReadOnlyList<(IReadOnlyList<string> Argv, bool StopOnFailure)> Commands(string script) =>
        Statements(script)
            .Where(l => l.Contains(" >\"$d/o\" 2>\"$d/e\"; c=$?; ", StringComparison.Ordinal))
            .Select(l => ((IReadOnlyList<string>)Words(l), l.Contains("|| exit 0", StringComparison.Ordinal)))
            .ToList();

    public static async Task<CommandResult> AnswerAsync(string hostName, IReadOnlyList<string> argv, byte[] stdin,
        Func<IReadOnlyList<string>, Task<CommandResult>> answer)
    {
        var script = Encoding.UTF8.GetString(stdin);
        var nonce = Nonce().Match(script) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("not a RemoteScript: no report function");
        var output = new StringBuilder();
        var commands = Commands(script);
        for (var i = 0; i < commands.Count; i++)
        {
            var r = await answer(commands[i].Argv);
            output.Append($"MVM-{nonce} {i} {r.ExitCode}\n{Convert.ToBase64String(r.Stdout)}\n{Convert.ToBase64String(r.Stderr)}\n");
            if (commands[i].StopOnFailure && r.ExitCode != 0) break;
        }
        return new CommandResult(hostName, argv, 0, Encoding.ASCII.GetBytes(output.ToString()), []);
    }

    /// <summary>
    /// The script's lines, except that a newline inside single quotes (an argument with a newline)
    /// does not end one. The script quotes only with single quotes and backslashes outside them.
    /// </summary>
    private static IEnumerable<string> Statements(string script)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < script.Length; i++)
        {
            var c = script[i];
            if (quoted)
            {
                if (c == '\'') quoted = false;
            }
            else if (c == '\'') quoted = true;
            else if (c == '\\') i++;
            else if (c == '\n')
            {
                yield return script[start..i];
                start = i + 1;
            }
        }
        if (start < script.Length) yield return script[start..];
    }

    /// <summary>The words of a command line as <see cref="PosixQuote.Join"/> writes it, up to the first unquoted redirection.</summary>
    private static string[] Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '\\')
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else if (c == '<' && !inWord)
            {
                break;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        return [.. words];
    }

    [GeneratedRegex("mvm_report_([0-9a-f]+)\\(\\)")]
    private static partial Regex Nonce();
}
