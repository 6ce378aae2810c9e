using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// A fake host for multi-step cluster work: answers each command from a handler (fed with captured
/// Ceph and systemctl output) and also answers <see cref="RemoteScript"/> batches, splitting the
/// script back into its commands and framing their results as the real script does. Every command
/// that reached the "host", batched or not, is recorded in order.
/// </summary>
internal sealed partial class ClusterTestHost(Func<IReadOnlyList<string>, CommandResult> handler, string name = "h3") : IHost
{
    private readonly ConcurrentQueue<string[]> _commands = new();

    public string Name => name;

    public IReadOnlyList<string[]> Commands => _commands.ToArray();

    /// <summary>The commands as single lines, for order and presence checks.</summary>
    public IReadOnlyList<string> Lines => Commands.Select(c => string.Join(' ', c)).ToList();

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (argv is ["bash", "-s"] && stdin is not null) return Task.FromResult(RunScript(argv, Encoding.UTF8.GetString(stdin)));
        _commands.Enqueue(argv.ToArray());
        return Task.FromResult(handler(argv));
    }

    public static CommandResult Result(IReadOnlyList<string> argv, int exit, string stdout = "", string stderr = "") =>
        new("h3", argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    private CommandResult RunScript(IReadOnlyList<string> argv, string script)
    {
        var nonce = Nonce().Match(script).Groups[1].Value;
        var output = new StringBuilder();
        foreach (var line in script.Split('\n'))
        {
            var m = CommandLine().Match(line);
            if (!m.Success) continue;
            var command = Words(m.Groups["cmd"].Value);
            _commands.Enqueue(command);
            var r = handler(command);
            output.Append($"MVM-{nonce} {m.Groups["i"].Value} {r.ExitCode}\n{Convert.ToBase64String(r.Stdout)}\n{Convert.ToBase64String(r.Stderr)}\n");
            if (r.ExitCode != 0 && line.Contains("|| exit 0", StringComparison.Ordinal)) break;
        }
        return Result(argv, 0, output.ToString());
    }

    /// <summary>Splits a command line as PosixQuote wrote it: bare words and '…' words with '\'' for a quote.</summary>
    private static string[] Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '\'') quoted = false;
                else word.Append(c);
            }
            else if (c == '\'') quoted = any = true;
            else if (c == '\\' && i + 1 < text.Length) { word.Append(text[++i]); any = true; }
            else if (c == ' ')
            {
                if (any) words.Add(word.ToString());
                word.Clear();
                any = false;
            }
            else { word.Append(c); any = true; }
        }
        if (any) words.Add(word.ToString());
        return [.. words];
    }

    [GeneratedRegex(@"^mvm_report_([0-9a-f]+)\(\)", RegexOptions.Multiline)]
    private static partial Regex Nonce();

    [GeneratedRegex(@"^(?<cmd>.*) <(?:/dev/null|""\$d/i"") >""\$d/o"" 2>""\$d/e""; c=\$\?; mvm_report_[0-9a-f]+ (?<i>\d+) ""\$c""")]
    private static partial Regex CommandLine();
}
