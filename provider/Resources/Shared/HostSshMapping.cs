using Mvm.Framework.Config;
using Mvm.Transport;

namespace Mvm.Resources.Shared;

/// <summary>
/// Maps a host entry's SSH fields to the transport's per-host settings, so the transport knows
/// nothing of the host record. Values are passed as written: the resolver applies the defaults.
/// </summary>
public static class HostSshMapping
{
    public static SshHostSettings ToSshSettings(this HostFields host) => new()
    {
        Address = host.Address,
        Port = host.SshPort,
        User = host.SshUser,
        PrivateKey = host.SshPrivateKey,
        Password = host.SshPassword,
        HostKey = host.HostKey,
        JumpHosts = host.JumpHosts?.Select(ProviderSshDefaults.ToSshJumpHost).ToList(),
        Sudo = host.Sudo,
    };
}
