using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// One host as the cluster layer knows it: how to reach it over SSH (unset fields fall back to
/// the provider configuration), its Ceph data devices and its network interfaces. Carried in the
/// connect string and (without secrets) in the member registry, so its JSON form — property names
/// and their order — is what clusters already store and must not change.
/// </summary>
public sealed class MemberHost
{
    public string? Name { get; set; }
    public string? Address { get; set; }
    public int? SshPort { get; set; }
    public string? SshUser { get; set; }
    public string? SshPrivateKey { get; set; }
    public string? SshPassword { get; set; }
    public string? HostKey { get; set; }
    public List<MemberJumpHost?>? JumpHosts { get; set; }
    public bool? Sudo { get; set; }
    public List<string?>? DataDevices { get; set; }
    public string? ManagementInterface { get; set; }
    public string? StorageInterface { get; set; }
    public string? ComputeInterface { get; set; }

    /// <summary>The declared data devices, without gaps.</summary>
    public List<string> Devices() => DataDevices?.Where(d => d is not null).Select(d => d!).ToList() ?? [];

    /// <summary>
    /// The same host without its SSH secrets (private keys, password): what the member registry may hold.
    /// </summary>
    public MemberHost WithoutSecrets() => new()
    {
        Name = Name,
        Address = Address,
        SshPort = SshPort,
        SshUser = SshUser,
        HostKey = HostKey,
        Sudo = Sudo,
        DataDevices = DataDevices,
        ManagementInterface = ManagementInterface,
        StorageInterface = StorageInterface,
        ComputeInterface = ComputeInterface,
        JumpHosts = JumpHosts?.Select(j =>
            j is null ? null : new MemberJumpHost { Address = j.Address, Port = j.Port, User = j.User,
            HostKey = j.HostKey }).ToList(),
    };

    /// <summary>A connection to the host through the operation's connector.</summary>
    public RemoteHost Connect(RemoteHosts hosts, string? name = null) =>
        hosts.Connect(Access(), name ?? Name ?? Address ?? "?");

    /// <summary>How to reach the host, as written: the transport's resolver applies the provider's defaults.</summary>
    public HostAccess Access() => new()
    {
        Address = Address,
        Port = SshPort,
        User = SshUser,
        PrivateKey = SshPrivateKey,
        Password = SshPassword,
        HostKey = HostKey,
        JumpHosts = JumpHosts?.Select(j => j is null ? null
            : new HostAccessJump { Address = j.Address, Port = j.Port, User = j.User, PrivateKey = j.PrivateKey,
                HostKey = j.HostKey }).ToList(),
        Sudo = Sudo,
    };
}

/// <summary>One hop on the way to a <see cref="MemberHost"/> (ssh ProxyJump).</summary>
public sealed class MemberJumpHost
{
    public string? Address { get; set; }
    public int? Port { get; set; }
    public string? User { get; set; }
    public string? PrivateKey { get; set; }
    public string? HostKey { get; set; }
}
