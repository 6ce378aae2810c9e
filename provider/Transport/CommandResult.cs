using System.Text;
using Mvm.Core;

namespace Mvm.Transport;

/// <summary>What one remote program produced: exit code and raw output bytes.</summary>
public sealed class CommandResult
{
    private readonly SecretScrubber? _secrets;

    public CommandResult(string host, IReadOnlyList<string> argv, int exitCode, byte[] stdout, byte[] stderr,
        TimeSpan elapsed = default, SecretScrubber? secrets = null)
    {
        Host = host;
        Argv = argv;
        ExitCode = exitCode;
        Stdout = stdout;
        Stderr = stderr;
        Elapsed = elapsed;
        _secrets = secrets;
    }

    public string Host { get; }
    public IReadOnlyList<string> Argv { get; }
    public int ExitCode { get; }
    public byte[] Stdout { get; }
    public byte[] Stderr { get; }
    public TimeSpan Elapsed { get; }

    public bool Succeeded => ExitCode == 0;

    // Tools print UTF-8 (or ASCII); invalid bytes become U+FFFD rather than failing a parse.
    public string StdoutText => Encoding.UTF8.GetString(Stdout);
    public string StderrText => Encoding.UTF8.GetString(Stderr);

    /// <summary>The command as it would be typed, for messages (secrets masked).</summary>
    public string CommandLine => Scrub(PosixQuote.Join(Argv));

    /// <summary>
    /// Returns this result when the exit code is 0, otherwise throws <see cref="RemoteCommandFailedException"/>.
    /// </summary>
    public CommandResult EnsureSuccess()
    {
        if (ExitCode != 0)
            throw new RemoteCommandFailedException(Host, Argv.Select(Scrub).ToArray(), ExitCode, Scrub(StderrText),
                Scrub(StdoutText));
        return this;
    }

    internal SecretScrubber? Secrets => _secrets;

    private string Scrub(string text) => _secrets?.Scrub(text) ?? text;
}
