using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// How to reach a host, as the cluster layer knows it (address and SSH overrides; unset ones fall back to the
/// provider's defaults). Maps to the transport's <see cref="SshHostSettings"/>, so the layers above need not.
/// </summary>
public sealed record HostAccess
{
    public string? Address { get; init; }
    public int? Port { get; init; }
    public string? User { get; init; }
    public string? PrivateKey { get; init; }
    public string? Password { get; init; }
    public string? HostKey { get; init; }
    public IReadOnlyList<HostAccessJump?>? JumpHosts { get; init; }
    public bool? Sudo { get; init; }

    /// <summary>The transport's settings for this host.</summary>
    public SshHostSettings SshSettings() => new()
    {
        Address = Address,
        Port = Port,
        User = User,
        PrivateKey = PrivateKey,
        Password = Password,
        HostKey = HostKey,
        JumpHosts = JumpHosts?.Select(j => j is null ? null
            : new SshJumpHost { Address = j.Address, Port = j.Port, User = j.User, PrivateKey = j.PrivateKey,
                HostKey = j.HostKey }).ToList(),
        Sudo = Sudo,
    };

    // The compiler-generated ToString would print the key and password into any log line.
    public override string ToString() =>
        $"HostAccess {{ {User}@{Address}:{Port}, key: {(PrivateKey is null ? "none" : "[secret]")}, " +
        $"password: {(Password is null ? "none" : "[secret]")}, sudo: {Sudo} }}";
}

/// <summary>A jump host on the way to a host (ProxyJump), as <see cref="HostAccess"/> lists it.</summary>
public sealed record HostAccessJump
{
    public string? Address { get; init; }
    public int? Port { get; init; }
    public string? User { get; init; }
    public string? PrivateKey { get; init; }
    public string? HostKey { get; init; }

    // The compiler-generated ToString would print the key into any log line.
    public override string ToString() =>
        $"HostAccessJump {{ {User}@{Address}:{Port}, key: {(PrivateKey is null ? "none" : "[secret]")} }}";
}
