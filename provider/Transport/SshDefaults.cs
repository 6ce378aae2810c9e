namespace Mvm.Transport;

/// <summary>
/// The provider-wide SSH settings every host falls back to (the provider configuration, mapped
/// above the transport). Unset values fall back to the transport's own defaults in
/// <see cref="SshTargetResolver"/>. Holds secrets: its ToString masks them.
/// </summary>
public sealed record SshDefaults
{
    public string? User { get; init; }
    public int? Port { get; init; }
    /// <summary>Private key text (secret).</summary>
    public string? PrivateKey { get; init; }
    /// <summary>Private key file on this machine; used when no key text is set.</summary>
    public string? PrivateKeyFile { get; init; }
    /// <summary>Passphrase of an encrypted private key (secret); the hops' default keys use it too.</summary>
    public string? PrivateKeyPassphrase { get; init; }
    /// <summary>Login password (secret).</summary>
    public string? Password { get; init; }
    /// <summary>Offer the agent's keys; unset = when SSH_AUTH_SOCK is set.</summary>
    public bool? UseAgent { get; init; }
    /// <summary>known_hosts text for hosts that have no pin.</summary>
    public string? KnownHosts { get; init; }
    /// <summary>known_hosts file on this machine, read with <see cref="KnownHosts"/>.</summary>
    public string? KnownHostsFile { get; init; }
    /// <summary>Pinned host public keys by host address or display name.</summary>
    public IReadOnlyDictionary<string, string>? HostKeys { get; init; }
    public bool? TrustOnFirstUse { get; init; }
    /// <summary>Jump hosts for every host that does not name its own.</summary>
    public IReadOnlyList<SshJumpHost?>? JumpHosts { get; init; }
    /// <summary>Run commands through `sudo -n`; unset = when the login user is not root.</summary>
    public bool? Sudo { get; init; }
    /// <summary>
    /// The connect timeout as the user wrote it (e.g. `15s`): parsed when a target is resolved, so
    /// a bad value is reported with the host it was meant for.
    /// </summary>
    public string? ConnectTimeout { get; init; }

    // The compiler-generated ToString would print the key and password into any log line.
    public override string ToString() =>
        $"SshDefaults {{ user: {User}, port: {Port}, " +
            $"key: {(PrivateKey is null ? PrivateKeyFile ?? "none" : "[secret]")}, " +
        $"password: {(Password is null ? "none" : "[secret]")}, agent: {UseAgent}, sudo: {Sudo} }}";
}
