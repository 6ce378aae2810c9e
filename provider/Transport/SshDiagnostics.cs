using System.Text.RegularExpressions;

namespace Mvm.Transport;

internal enum SshFailureKind
{
    /// <summary>TCP connect failed, or the name does not resolve, or no SSH banner arrived.</summary>
    Unreachable,
    /// <summary>The server closed or reset the connection before or during the handshake.</summary>
    Closed,
    AuthenticationFailed,
    HostKeyChanged,
    HostKeyUnknown,
    /// <summary>"Host key verification failed" with no detail about why.</summary>
    HostKeyFailed,
    /// <summary>A jump host was reached but could not open the connection onward.</summary>
    OnwardUnreachable,
    Other,
}

/// <summary>One failure read from ssh's stderr.</summary>
internal sealed record SshFailure(SshFailureKind Kind, string Detail, HostKeyFingerprint? Offered = null)
{
    /// <summary>
    /// Worth another attempt: the host may just be booting or sshd restarting. Wrong keys or passwords are not.
    /// </summary>
    public bool Transient =>
        Kind is SshFailureKind.Unreachable or SshFailureKind.Closed or SshFailureKind.OnwardUnreachable;
}

/// <summary>
/// Classifies what the OpenSSH client prints when it cannot connect. These lines are ssh's own
/// (not localised) and stable across OpenSSH 8.x and 9.x; anything unrecognised is reported
/// verbatim rather than guessed at.
/// </summary>
internal static partial class SshDiagnostics
{
    public static SshFailure? Classify(string stderr)
    {
        if (string.IsNullOrWhiteSpace(stderr)) return null;
        if (stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
            || ChangedStrict().IsMatch(stderr))
        {
            HostKeyFingerprint? offered = null;
            if (OfferedFingerprint().Match(stderr) is { Success: true } m)
                offered = new HostKeyFingerprint(SshKeyTypeName(m.Groups[1].Value), m.Groups[2].Value);
            return new SshFailure(SshFailureKind.HostKeyChanged, "the host key has changed", offered);
        }
        if (UnknownStrict().Match(stderr) is { Success: true } u)
            return new SshFailure(SshFailureKind.HostKeyUnknown,
                $"no {u.Groups[1].Value} host key is known for {u.Groups[2].Value}");
        if (stderr.Contains("Host key verification failed", StringComparison.Ordinal))
            return new SshFailure(SshFailureKind.HostKeyFailed, "host key verification failed");
        if (PermissionDenied().Match(stderr) is { Success: true } p)
            return new SshFailure(SshFailureKind.AuthenticationFailed,
                $"the server rejected the credentials offered (it accepts: {p.Groups[1].Value})");
        if (stderr.Contains("Too many authentication failures", StringComparison.Ordinal))
            return new SshFailure(SshFailureKind.AuthenticationFailed,
                "too many authentication failures (the agent offered more keys than the server allows; set sshAgent: " +
                "false or use IdentitiesOnly keys)");
        if (OpenFailed().Match(stderr) is { Success: true } o)
            return new SshFailure(SshFailureKind.OnwardUnreachable,
                "the jump host could not connect onward: " + Explain(o.Groups[1].Value.Trim()));
        if (stderr.Contains("stdio forwarding failed", StringComparison.Ordinal))
            return new SshFailure(SshFailureKind.OnwardUnreachable, "the jump host could not open a connection onward");
        if (ConnectTo().Match(stderr) is { Success: true } c)
            return new SshFailure(SshFailureKind.Unreachable, Explain(c.Groups[3].Value.Trim()));
        if (Resolve().Match(stderr) is { Success: true } r)
            return new SshFailure(SshFailureKind.Unreachable,
                $"the name {r.Groups[1].Value} does not resolve ({r.Groups[2].Value.Trim()})");
        if (stderr.Contains("Connection timed out during banner exchange", StringComparison.Ordinal))
            return new SshFailure(SshFailureKind.Unreachable,
                "the TCP connection opened but no SSH banner arrived within the connect timeout");
        if (stderr.Contains("kex_exchange_identification", StringComparison.Ordinal) || ClosedBy().IsMatch(stderr))
            return new SshFailure(SshFailureKind.Closed,
                "the connection was closed before the SSH handshake completed (sshd starting or overloaded, " +
                "MaxStartups, or a firewall)");
        return new SshFailure(SshFailureKind.Other, LastLine(stderr));
    }

    /// <summary>
    /// The client ran with a dummy ProxyCommand that carries nothing, and it ran only because no
    /// ControlMaster answered: the command cannot have reached the host.
    /// </summary>
    public static bool MasterUnavailable(string stderr) =>
        stderr.Contains("Connection closed by UNKNOWN port 65535", StringComparison.Ordinal)
        || stderr.Contains("kex_exchange_identification", StringComparison.Ordinal)
        || stderr.Contains("Control socket connect(", StringComparison.Ordinal);

    /// <summary>The master refused to open a session (e.g. MaxSessions reached): nothing was sent.</summary>
    public static bool SessionRefused(string stderr) =>
        stderr.Contains("mux_client_request_session", StringComparison.Ordinal)
        || stderr.Contains("mux_client_hello_exchange", StringComparison.Ordinal);

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

    public static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : lines[^1];
    }

    // ssh says "ED25519"/"RSA" in messages where known_hosts says "ssh-ed25519"; ECDSA names no
    // curve, so it stays as ssh printed it.
    private static string SshKeyTypeName(string word) => word.ToUpperInvariant() switch
    {
        "ED25519" => "ssh-ed25519",
        "RSA" => "ssh-rsa",
        "DSA" => "ssh-dss",
        _ => word,
    };

    private static string Explain(string reason) => reason switch
    {
        "Connection refused" => "connection refused: is sshd running and listening on that port?",
        "Connection timed out" => "the connection timed out: is the host up, and is the port open in its firewall?",
        "No route to host" => "no route to the host: is it up and on this network?",
        "Network is unreachable" => "the network is unreachable from here",
        _ => Lower(reason),
    };

    private static string Lower(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];

    [GeneratedRegex(@"Host key for \S+ has changed and you have requested strict checking")]
    private static partial Regex ChangedStrict();

    [GeneratedRegex(@"The fingerprint for the (\S+) key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/]+)")]
    private static partial Regex OfferedFingerprint();

    [GeneratedRegex(@"No (\S+) host key is known for (\S+) and you have requested strict checking")]
    private static partial Regex UnknownStrict();

    [GeneratedRegex(@"Permission denied \(([^)]*)\)")]
    private static partial Regex PermissionDenied();

    [GeneratedRegex(@"channel \d+: open failed: [^:]+: (.+)")]
    private static partial Regex OpenFailed();

    [GeneratedRegex(@"ssh: connect to host (\S+) port (\d+): (.+)")]
    private static partial Regex ConnectTo();

    [GeneratedRegex(@"ssh: Could not resolve hostname (\S+): (.+)")]
    private static partial Regex Resolve();

    [GeneratedRegex(@"Connection (?:closed|reset) by \S+ port \d+")]
    private static partial Regex ClosedBy();
}
