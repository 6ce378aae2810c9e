using System.Security.Cryptography;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// Everything needed to reach and log in to one host, resolved from the provider configuration
/// and the host's own overrides (see <see cref="SshTargetResolver"/>). Holds secrets: its
/// ToString masks them, and the transport keeps them in memory only (never a file, argv or environment).
/// </summary>
public sealed record SshTarget
{
    /// <summary>Display name used in messages (the cluster's host name, or the address).</summary>
    public required string Name { get; init; }
    public required string Address { get; init; }
    public int Port { get; init; } = 22;
    public string User { get; init; } = "root";

    /// <summary>Private key text (secret).</summary>
    public string? PrivateKey { get; init; }
    /// <summary>Private key file on this machine; used when <see cref="PrivateKey"/> is not set.</summary>
    public string? PrivateKeyFile { get; init; }
    /// <summary>Passphrase of <see cref="PrivateKey"/> or <see cref="PrivateKeyFile"/> (secret).</summary>
    public string? PrivateKeyPassphrase { get; init; }
    /// <summary>Login password (secret), for password and keyboard-interactive authentication.</summary>
    public string? Password { get; init; }
    /// <summary>Offer the keys of an SSH agent.</summary>
    public bool UseAgent { get; init; }
    /// <summary>
    /// The agent's socket (SSH_AUTH_SOCK when the target was resolved); null = the process's SSH_AUTH_SOCK.
    /// </summary>
    public string? AgentSocket { get; init; }

    /// <summary>known_hosts text to verify host keys against.</summary>
    public string? KnownHosts { get; init; }
    /// <summary>known_hosts file on this machine, read in addition to <see cref="KnownHosts"/>.</summary>
    public string? KnownHostsFile { get; init; }
    /// <summary>Public keys (`type base64`) pinned for this host: when any is set, only these are accepted.</summary>
    public IReadOnlyList<string> PinnedHostKeys { get; init; } = [];
    /// <summary>
    /// A pin is a requirement: known_hosts and trust-on-first-use are not consulted for a pinned host.
    /// </summary>
    public bool PinnedOnly => PinnedHostKeys.Count > 0;
    /// <summary>Accept and record an unknown host key (never a changed one; never for a pinned host).</summary>
    public bool TrustOnFirstUse { get; init; }

    /// <summary>Jump hosts traversed in order, first = the one this machine connects to.</summary>
    public IReadOnlyList<SshHop> JumpHosts { get; init; } = [];

    /// <summary>Run commands through `sudo -n` (for a non-root login user).</summary>
    public bool Sudo { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>`user@address:port`, for messages.</summary>
    public string Endpoint => $"{User}@{Address}:{Port}";

    /// <summary>
    /// Identifies the connection settings, so the transport keeps exactly one connection per
    /// distinct target and a changed key or user gets a new one. Secrets enter only hashed.
    /// </summary>
    internal string IdentityKey()
    {
        var sb = new StringBuilder();
        void Add(string? s) => sb.Append(s?.Length ?? -1).Append(':').Append(s).Append('|');
        Add(Name); Add(Address); Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture)); Add(User);
        Add(PrivateKey); Add(PrivateKeyFile); Add(PrivateKeyPassphrase); Add(Password);
        Add(UseAgent ? "agent" : ""); Add(AgentSocket);
        Add(KnownHosts); Add(KnownHostsFile); foreach (var k in PinnedHostKeys) Add(k);
        Add(TrustOnFirstUse ? "tofu" : ""); Add(Sudo ? "sudo"
            : ""); Add(ConnectTimeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var h in JumpHosts)
            { Add(h.Address); Add(h.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)); Add(h.User);
            Add(h.PrivateKey); Add(h.PrivateKeyFile); Add(h.PrivateKeyPassphrase);
            foreach (var k in h.PinnedHostKeys) Add(k); }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>The secrets this target carries, for the scrubber.</summary>
    public IEnumerable<string> Secrets()
    {
        if (!string.IsNullOrEmpty(PrivateKey)) yield return PrivateKey;
        if (!string.IsNullOrEmpty(PrivateKeyPassphrase)) yield return PrivateKeyPassphrase;
        if (!string.IsNullOrEmpty(Password)) yield return Password;
        foreach (var h in JumpHosts)
        {
            if (!string.IsNullOrEmpty(h.PrivateKey)) yield return h.PrivateKey;
            if (!string.IsNullOrEmpty(h.PrivateKeyPassphrase)) yield return h.PrivateKeyPassphrase;
        }
    }

    // The compiler-generated ToString would print the key and password into any log line.
    public override string ToString() =>
        $"SshTarget {{ {Name} {Endpoint}, key: {(PrivateKey is null ? PrivateKeyFile ?? "none" : "[secret]")}, " +
        $"password: {(Password is null ? "none" : "[secret]")}, agent: {UseAgent}, sudo: {Sudo}, " +
            $"tofu: {TrustOnFirstUse}, " +
        $"jumps: [{string.Join(", ", JumpHosts)}] }}";
}

/// <summary>One jump host on the way to a target, with its own login and host key.</summary>
public sealed record SshHop
{
    public required string Address { get; init; }
    public int Port { get; init; } = 22;
    public string User { get; init; } = "root";
    public string? PrivateKey { get; init; }
    public string? PrivateKeyFile { get; init; }
    /// <summary>Passphrase of the hop's key (secret).</summary>
    public string? PrivateKeyPassphrase { get; init; }
    /// <summary>Public keys (`type base64`) pinned for this hop: when any is set, only these are accepted.</summary>
    public IReadOnlyList<string> PinnedHostKeys { get; init; } = [];
    /// <summary>Only <see cref="PinnedHostKeys"/> are accepted for a pinned hop.</summary>
    public bool PinnedOnly => PinnedHostKeys.Count > 0;

    public string Endpoint => $"{User}@{Address}:{Port}";

    public override string ToString() =>
        $"{Endpoint} (key: {(PrivateKey is null ? PrivateKeyFile ?? "none" : "[secret]")})";
}
