using Mvm.Transport;

namespace Mvm.Framework.Config;

/// <summary>
/// Maps the provider configuration to the transport's own SSH settings, so the transport knows
/// nothing of the configuration schema. Values are passed as written: defaulting and checking
/// stay in <see cref="SshTargetResolver"/>.
/// </summary>
public static class ProviderSshDefaults
{
    public static SshDefaults ToSshDefaults(this ProviderConfig config) => new()
    {
        User = config.SshUser,
        Port = config.SshPort,
        PrivateKey = config.SshPrivateKey,
        PrivateKeyFile = config.SshPrivateKeyFile,
        Password = config.SshPassword,
        UseAgent = config.SshAgent,
        KnownHosts = config.KnownHosts,
        KnownHostsFile = config.KnownHostsFile,
        HostKeys = config.HostKeys,
        TrustOnFirstUse = config.TrustOnFirstUse,
        JumpHosts = config.JumpHosts?.Select(ToSshJumpHost).ToList(),
        Sudo = config.Sudo,
        ConnectTimeout = config.ConnectTimeout,
    };

    /// <summary>One configured hop; a null entry (a hole in the user's list) stays null and is skipped.</summary>
    public static SshJumpHost? ToSshJumpHost(this JumpHost? hop) => hop is null ? null : new()
    {
        Address = hop.Address,
        Port = hop.Port,
        User = hop.User,
        PrivateKey = hop.PrivateKey,
        HostKey = hop.HostKey,
    };
}
