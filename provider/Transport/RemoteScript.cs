using System.Security.Cryptography;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// Several commands sent to a host as one bash script over stdin, so a step costs one round trip
/// per host instead of one per command. Each command is an argv quoted by <see cref="PosixQuote"/>;
/// each gets its own stdin (or /dev/null, so none can swallow the rest of the script), and its
/// exit code, stdout and stderr come back separately, base64-framed so no output can be
/// mistaken for the framing.
/// </summary>
/// <example>
/// <code>
/// var script = new RemoteScript()
///     .Add(["systemctl", "is-active", "ceph-mon.target"])
///     .Add(["ceph", "status", "-f", "json"]);
/// var results = await script.RunAsync(host, TimeSpan.FromMinutes(1), ct);
/// var status = results[1]!.EnsureSuccess().StdoutText;
/// </code>
/// </example>
public sealed class RemoteScript
{
    private readonly List<(IReadOnlyList<string> Argv, byte[]? Stdin)> _commands = [];

    /// <summary>
    /// Stop at the first command that exits non-zero (the rest are reported as not run). On by default.
    /// </summary>
    public bool StopOnFailure { get; init; } = true;

    public int Count => _commands.Count;

    public RemoteScript Add(IReadOnlyList<string> argv, byte[]? stdin = null)
    {
        // Validated now so a bad argument fails where it was added, before anything is sent.
        PosixQuote.ValidateArgv(argv);
        _commands.Add((argv.ToArray(), stdin));
        return this;
    }

    /// <summary>Runs the script with bash on the host (through sudo when the host's login needs it).</summary>
    public async Task<ScriptResult> RunAsync(IHost host, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (_commands.Count == 0) return new ScriptResult([]);
        var nonce = NewNonce();
        var script = Build(nonce);
        var outer = await host.RunAsync(["bash", "-s"], Encoding.UTF8.GetBytes(script), timeout, ct)
            .ConfigureAwait(false);
        // The script itself always exits 0; anything else means bash could not run it at all.
        outer.EnsureSuccess();
        return Parse(host.Name, nonce, outer.Stdout, outer);
    }

    internal static string NewNonce() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();

    internal string Build(string nonce)
    {
        var report = "mvm_report_" + nonce;
        var sb = new StringBuilder();
        sb.Append("set -u\n");
        sb.Append("umask 077\n");
        sb.Append("d=$(mktemp -d \"${TMPDIR:-/tmp}/mvm-script.XXXXXXXX\") || { echo 'mvm script: mktemp failed' >&2; " +
            "exit 90; }\n");
        sb.Append("trap 'rm -rf -- \"$d\"' EXIT\n");
        sb.Append(report).Append("() { printf 'MVM-").Append(nonce).Append(" %s %s\\n' \"$1\" \"$2\"; ")
          .Append("base64 -w0 <\"$d/o\"; printf '\\n'; base64 -w0 <\"$d/e\"; printf '\\n'; }\n");
        for (var i = 0; i < _commands.Count; i++)
        {
            var (argv, stdin) = _commands[i];
            var input = "/dev/null";
            if (stdin is not null)
            {
                // A quoted here-document delimiter: bash expands nothing inside it.
                sb.Append("base64 -d >\"$d/i\" <<'MVM-").Append(nonce).Append("-IN'\n");
                sb.Append(Convert.ToBase64String(stdin, Base64FormattingOptions.InsertLineBreaks)
                    .Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
                sb.Append("MVM-").Append(nonce).Append("-IN\n");
                input = "\"$d/i\"";
            }
            sb.Append(PosixQuote.Join(argv)).Append(" <").Append(input).Append(" >\"$d/o\" 2>\"$d/e\"; c=$?; ")
              .Append(report).Append(' ').Append(i).Append(" \"$c\"");
            if (StopOnFailure) sb.Append("; [ \"$c\" -eq 0 ] || exit 0");
            sb.Append('\n');
        }
        sb.Append("exit 0\n");
        return sb.ToString();
    }

    internal ScriptResult Parse(string host, string nonce, byte[] stdout, CommandResult? outer = null)
    {
        var results = new CommandResult?[_commands.Count];
        var lines = Encoding.ASCII.GetString(stdout).Split('\n');
        var tag = "MVM-" + nonce + " ";
        for (var i = 0; i < lines.Length; i++)
        {
            // Lines before a tag are noise from the login shell (e.g. a chatty .bashrc).
            if (!lines[i].StartsWith(tag, StringComparison.Ordinal)) continue;
            var fields = lines[i][tag.Length..].Split(' ');
            if (fields.Length != 2 || !int.TryParse(fields[0], out var index) || !int.TryParse(fields[1], out var exit)
                || index < 0 || index >= results.Length || i + 2 >= lines.Length)
                throw new FormatException($"the script's output on {host} is malformed at line {i + 1}");
            var (argv, _) = _commands[index];
            results[index] = new CommandResult(host, argv, exit, Convert.FromBase64String(lines[i + 1]),
                Convert.FromBase64String(lines[i + 2]),
                secrets: outer?.Secrets);
            i += 2;
        }
        var missing = Array.FindIndex(results, r => r is null);
        if (missing >= 0)
        {
            // Only StopOnFailure after an earlier failure explains a command that did not report.
            var explained = StopOnFailure && results.Take(missing).Any(r => r is { ExitCode: not 0 });
            if (!explained)
                throw new
                    FormatException($"the script on {host} stopped before command {missing} " +
                    $"(`{PosixQuote.Display(PosixQuote.Join(_commands[missing].Argv))}`) " +
                    $"without reporting it; stderr: {outer?.StderrText.Trim()}");
        }
        return new ScriptResult(results);
    }
}

/// <summary>Per-command results of a <see cref="RemoteScript"/>, in the order the commands were added.</summary>
public sealed class ScriptResult(IReadOnlyList<CommandResult?> results)
{
    /// <summary>
    /// One entry per command; null for a command that did not run (after a failure, with StopOnFailure).
    /// </summary>
    public IReadOnlyList<CommandResult?> Results { get; } = results;

    public CommandResult? this[int index] => Results[index];
    public int Count => Results.Count;

    public bool AllSucceeded => Results.All(r => r is { ExitCode: 0 });

    /// <summary>The first command that ran and failed, if any.</summary>
    public CommandResult? FirstFailure => Results.FirstOrDefault(r => r is { ExitCode: not 0 });

    /// <summary>Throws <see cref="RemoteCommandFailedException"/> for the first failed command.</summary>
    public ScriptResult EnsureSuccess()
    {
        FirstFailure?.EnsureSuccess();
        return this;
    }
}
