namespace Mvm.Transport;

/// <summary>
/// One host's address and its own SSH settings; each set value overrides <see cref="SshDefaults"/>.
/// Mapped from the host record above the transport. Holds secrets: its ToString masks them.
/// </summary>
public sealed record SshHostSettings
{
    /// <summary>IP address or DNS name, without user or port.</summary>
    public string? Address { get; init; }
    public int? Port { get; init; }
    public string? User { get; init; }
    /// <summary>Private key text (secret).</summary>
    public string? PrivateKey { get; init; }
    /// <summary>Login password (secret).</summary>
    public string? Password { get; init; }
    /// <summary>The host's pinned public key; when set, the only key accepted.</summary>
    public string? HostKey { get; init; }
    /// <summary>Jump hosts for this host; when set (even empty), replaces the defaults' chain.</summary>
    public IReadOnlyList<SshJumpHost?>? JumpHosts { get; init; }
    public bool? Sudo { get; init; }

    // The compiler-generated ToString would print the key and password into any log line.
    public override string ToString() =>
        $"SshHostSettings {{ {User}@{Address}:{Port}, key: {(PrivateKey is null ? "none" : "[secret]")}, " +
        $"password: {(Password is null ? "none" : "[secret]")}, sudo: {Sudo} }}";
}
