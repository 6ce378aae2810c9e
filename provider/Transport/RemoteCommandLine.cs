using System.Globalization;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// The command line sent for one argv: `exec [sudo -n --] [timeout …] argv`, preceded by a start
/// marker on stderr carrying the remote PID. The marker is how the transport knows a command
/// was handed to the host (so it is never re-run after a failure past that point) and which
/// process to signal on timeout or cancel, since sshd does not kill a command whose channel
/// closed. The remote `timeout` bounds the command even when the connection is gone.
/// </summary>
internal static class RemoteCommandLine
{
    private static readonly byte[] MarkerStart = Encoding.ASCII.GetBytes("\u001emvm-started ");
    private const byte MarkerEnd = 0x1e;

    // The remote limit trails the local one so that the local timeout is always the one that
    // fires and reports; the remote one is the backstop when the connection is gone.
    internal static readonly TimeSpan RemoteLimitSlack = TimeSpan.FromSeconds(3);

    public static string Build(IReadOnlyList<string> argv, bool sudo, TimeSpan timeout)
    {
        PosixQuote.ValidateArgv(argv);
        var full = new List<string>(argv.Count + 7);
        if (sudo) full.AddRange(["sudo", "-n", "--"]);
        if (timeout != Timeout.InfiniteTimeSpan && timeout > TimeSpan.Zero)
        {
            var seconds = (long)Math.Ceiling((timeout + RemoteLimitSlack).TotalSeconds);
            full.AddRange(["timeout", "-k", "5s", seconds.ToString(CultureInfo.InvariantCulture) + "s"]);
        }
        full.AddRange(argv);
        // printf and $$ are evaluated by the login shell; exec keeps that PID for the command.
        var line = "printf '\\036mvm-started %s\\036\\n' \"$$\" >&2; exec " + PosixQuote.Join(full);
        var bytes = Encoding.UTF8.GetByteCount(line);
        if (bytes > PosixQuote.MaxCommandLineBytes)
            throw new
                ArgumentException($"the command line for `{PosixQuote.Display(argv[0])}` is {bytes} bytes; a remote " +
                "shell accepts at most " +
                $"{PosixQuote.MaxCommandLineBytes} in one command. Pass large data on stdin or split the work.");
        return line;
    }

    /// <summary>
    /// Signals a remote PID learnt from the marker (TERM: timeout and sudo pass it on to the command).
    /// </summary>
    public static string BuildKill(int pid, bool sudo) =>
        sudo
            ? "exec "
            + PosixQuote.Join(["sudo", "-n", "--", "kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture)])
             : "kill -TERM " + pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Finds the marker in stderr; returns stderr without it and the remote PID, or null when absent.
    /// </summary>
    public static (int? Pid, byte[] Stderr) StripMarker(byte[] stderr)
    {
        var (start, end, pid) = Find(stderr);
        if (start < 0) return (null, stderr);
        var rest = new byte[stderr.Length - (end - start)];
        Array.Copy(stderr, 0, rest, 0, start);
        Array.Copy(stderr, end, rest, start, stderr.Length - end);
        return (pid, rest);
    }

    /// <summary>sudo -n refused before running the command because it would have asked for a password.</summary>
    public static bool SudoRefused(string stderr)
    {
        var s = stderr.TrimStart();
        return s.StartsWith("sudo: a password is required", StringComparison.Ordinal)
            || s.StartsWith("sudo: a terminal is required", StringComparison.Ordinal)
            || s.StartsWith("sudo: no tty present", StringComparison.Ordinal)
            || (s.StartsWith("sudo:", StringComparison.Ordinal)
                && s.Contains("is not in the sudoers file", StringComparison.Ordinal));
    }

    public static int? FindPid(ReadOnlySpan<byte> stderr) => Find(stderr).Pid;

    private static (int Start, int End, int? Pid) Find(ReadOnlySpan<byte> data)
    {
        var at = data.IndexOf(MarkerStart);
        if (at < 0) return (-1, -1, null);
        var i = at + MarkerStart.Length;
        var pid = 0;
        var digits = 0;
        while (i < data.Length && data[i] is >= (byte)'0' and <= (byte)'9' && digits < 10)
        {
            pid = pid * 10 + (data[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || i >= data.Length || data[i] != MarkerEnd) return (-1, -1, null);
        i++;
        if (i < data.Length && data[i] == (byte)'\n') i++;
        return (at, i, pid);
    }
}
