using Mvm.Cluster;

namespace Mvm.Resources.Shared;

/// <summary>A declared host's fields as the cluster layer takes them.</summary>
public static class MemberHosts
{
    /// <summary>
    /// The host named <paramref name="name"/> with these fields (MvmCluster.hosts[] and MvmHost declare the name
    /// apart).
    /// </summary>
    public static MemberHost ToMember(this HostFields h, string? name) => new()
    {
        Name = name,
        Address = h.Address,
        SshPort = h.SshPort,
        SshUser = h.SshUser,
        SshPrivateKey = h.SshPrivateKey,
        SshPassword = h.SshPassword,
        HostKey = h.HostKey,
        JumpHosts = h.JumpHosts?.Select(j => j is null ? null
            : new MemberJumpHost { Address = j.Address, Port = j.Port, User = j.User, PrivateKey = j.PrivateKey,
                HostKey = j.HostKey }).ToList(),
        Sudo = h.Sudo,
        DataDevices = h.DataDevices,
        ManagementInterface = h.ManagementInterface,
        StorageInterface = h.StorageInterface,
        ComputeInterface = h.ComputeInterface,
    };

    public static MemberHost ToMember(this ClusterHost h) => h.ToMember(h.Name);
}
