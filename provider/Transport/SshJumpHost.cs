namespace Mvm.Transport;

/// <summary>One hop of a jump-host chain as configured; unset values fall back to the defaults.</summary>
public sealed record SshJumpHost
{
    public string? Address { get; init; }
    public int? Port { get; init; }
    /// <summary>Login user on the hop; unset = the default user.</summary>
    public string? User { get; init; }
    /// <summary>Private key text for the hop (secret); unset = the default key.</summary>
    public string? PrivateKey { get; init; }
    /// <summary>The hop's pinned public key.</summary>
    public string? HostKey { get; init; }

    // The compiler-generated ToString would print the key into any log line.
    public override string ToString() =>
        $"SshJumpHost {{ {User}@{Address}:{Port}, key: {(PrivateKey is null ? "none" : "[secret]")} }}";
}
