using Mvm.Core;

namespace Mvm.Transport;

// Each failure the transport can name gets its own type, so callers (and tests) react to what
// happened rather than to message text, and each message says what to do next. Messages are
// built from already-scrubbed text: no secret may reach them.

/// <summary>Base of the transport's failures; <see cref="ProviderException.Host"/> names the host.</summary>
public abstract class TransportException : ProviderException
{
    protected TransportException(string host, string message, Exception? inner = null) : base(message, inner)
    {
        HostName = host;
        Host = host;
    }

    /// <summary>Who failed, as named in the message (the host, or a jump host on the way to it).</summary>
    public string HostName { get; }
}

/// <summary>The server rejected every authentication method offered; nothing was run.</summary>
public sealed class AuthenticationFailedException(string host, string user, string endpoint, string detail)
    : TransportException(host,
        $"SSH authentication as {user} on {host} ({endpoint}) failed: {detail}. " +
        "Check the user, the private key or password configured for it (sshUser, sshPrivateKey, sshPassword, " +
            "sshAgent), " +
        "and that the host allows that method. Nothing was run on the host.")
{
    public string User { get; } = user;
    public string Endpoint { get; } = endpoint;
}

/// <summary>The host presented a key that is not among the ones configured for it.</summary>
public sealed class HostKeyMismatchException(string host, string endpoint, IReadOnlyList<HostKeyFingerprint> expected,
    HostKeyFingerprint? offered)
    : TransportException(host,
        $"the SSH host key of {host} ({endpoint}) does not match: expected {Describe(expected)}, " +
        $"but the host offered {offered?.ToString() ?? "a different key (its fingerprint could not be read)"}. " +
        "If the host was reinstalled, update its hostKey / the provider's hostKeys or knownHosts; otherwise someone " +
            "may be " +
        "intercepting the connection. Nothing was sent to the host.")
{
    public string Endpoint { get; } = endpoint;
    public IReadOnlyList<HostKeyFingerprint> Expected { get; } = expected;
    public HostKeyFingerprint? Offered { get; } = offered;

    private static string Describe(IReadOnlyList<HostKeyFingerprint> keys) =>
        keys.Count == 0 ? "no key" : string.Join(" or ", keys.Select(k => k.ToString()));
}

/// <summary>No key is configured for the host and trust-on-first-use is off.</summary>
public sealed class HostKeyUnknownException(string host, string endpoint, HostKeyFingerprint? offered)
    : TransportException(host,
        $"the SSH host key of {host} ({endpoint}) is not known, and host keys are verified: " +
        (offered is null ? "" : $"the host offered {offered}. ") +
        "Pin it with the host's hostKey or the provider's hostKeys (after checking it on the host, e.g. " +
        "`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), add it to knownHosts/knownHostsFile, or set " +
            "trustOnFirstUse. " +
        "Nothing was sent to the host.")
{
    public string Endpoint { get; } = endpoint;
    public HostKeyFingerprint? Offered { get; } = offered;
}

/// <summary>The login user is not root and sudo would ask for a password.</summary>
public sealed class SudoPasswordRequiredException(string host, string user, string commandLine)
    : TransportException(host,
        $"`{commandLine}` on {host} needs root, but sudo asks {user} for a password (the provider runs `sudo -n`, " +
            "which never prompts). " +
        $"Give {user} passwordless sudo (e.g. `{user} ALL=(ALL:ALL) NOPASSWD: ALL` in /etc/sudoers.d/), or log in as " +
            "root.")
{
    public string User { get; } = user;
    public string CommandLine { get; } = commandLine;
}

/// <summary>The command did not finish in time; its channel was closed and the remote process signalled.</summary>
public sealed class CommandTimedOutException(string host, string commandLine, TimeSpan timeout, string whatHappened)
    : TransportException(host,
        $"`{commandLine}` on {host} did not finish within {Durations.Format(timeout)}: {whatHappened}. " +
        "If the step is only slow, raise the resource's customTimeouts; otherwise check the host.")
{
    public string CommandLine { get; } = commandLine;
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>A command ran and exited non-zero.</summary>
public sealed class RemoteCommandFailedException(string host, IReadOnlyList<string> argv, int exitCode, string stderr,
    string stdout)
    : TransportException(host,
        $"`{PosixQuote.Join(argv)}` failed on {host} with exit code {exitCode}" +
        (Tail(stderr) is { Length: > 0 } e ? $": {e}" : Tail(stdout) is { Length: > 0 } o ? $" (stdout: {o})"
            : " and printed nothing"))
{
    public IReadOnlyList<string> Argv { get; } = argv;
    public int ExitCode { get; } = exitCode;
    public string Stderr { get; } = stderr;
    public string Stdout { get; } = stdout;

    // The end of the output carries the actual error; a whole apt log would bury it.
    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 2000 ? text : "…" + text[^2000..];
    }
}

/// <summary>
/// The connection dropped after the command was sent. It may or may not have run to completion,
/// so it is not retried: only the caller knows whether running it again is safe.
/// </summary>
public sealed class ConnectionLostException(string host, string commandLine, string detail)
    : TransportException(host,
        $"the SSH connection to {host} was lost while `{commandLine}` was running ({detail}). The command may or " +
            "may not " +
        "have completed on the host, so it was not retried. Check that the host is up and sshd is running, then run " +
            "again.")
{
    public string CommandLine { get; } = commandLine;
}
