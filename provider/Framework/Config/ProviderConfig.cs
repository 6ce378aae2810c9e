
namespace Mvm.Framework.Config;

/// <summary>
/// Provider configuration (`mvm:` stack config, explicit provider properties, MVM_* environment
/// fallbacks). Host entries and resources may override the SSH settings per host.
/// </summary>
[ObjectType("ProviderConfig", "Provider configuration: how to reach and log in to hosts, and default timeouts.")]
public sealed class ProviderConfig
{
    [Input("Default SSH login user for hosts; a non-root user needs passwordless sudo (see `sudo`).", Default = "root",
        Env = "MVM_SSH_USER")]
    public string? SshUser { get; set; }

    [Input("Default SSH port.", Default = 22, Env = "MVM_SSH_PORT")]
    public int? SshPort { get; set; }

    [Input("Default private key (OpenSSH or PEM text) used to log in. Written to a 0600 file in a private directory, " +
        "never passed on a command line.", Secret = true, Env = "MVM_SSH_PRIVATE_KEY")]
    public string? SshPrivateKey { get; set; }

    [Input("Path of a private key file on the machine running Pulumi, used when `sshPrivateKey` is not set.",
        Env = "MVM_SSH_PRIVATE_KEY_FILE")]
    public string? SshPrivateKeyFile { get; set; }

    [Input("Default SSH password. Passed to ssh through SSH_ASKPASS, never on a command line.", Secret = true,
        Env = "MVM_SSH_PASSWORD")]
    public string? SshPassword { get; set; }

    [Input("Use the SSH agent in SSH_AUTH_SOCK for authentication. Defaults to true when SSH_AUTH_SOCK is set.",
        Env = "MVM_SSH_AGENT")]
    public bool? SshAgent { get; set; }

    [Input("known_hosts content used to verify the keys of hosts that have no pin (`hostKeys` here, or a host's own " +
        "`hostKey`).", Env = "MVM_KNOWN_HOSTS")]
    public string? KnownHosts { get; set; }

    [Input("Path of a known_hosts file on the machine running Pulumi, used with `knownHosts` for hosts that have " +
        "no pin.", Env = "MVM_KNOWN_HOSTS_FILE")]
    public string? KnownHostsFile { get; set; }

    [Input("Pinned host public keys by host address or name, e.g. `{\"10.0.0.11\": \"ssh-ed25519 AAAA…\"}`. A pin is " +
        "a requirement: a pinned host must present that key, whatever `knownHosts`, `knownHostsFile` or " +
        "`trustOnFirstUse` say; a host's own `hostKey` replaces its entry here.")]
    public Dictionary<string, string>? HostKeys { get; set; }

    [Input("Accept and record an unknown host key on first connection (the learned key is reported as an output); " +
        "never for a pinned host. Off by default: host keys are verified.", Default = false,
        Env = "MVM_TRUST_ON_FIRST_USE")]
    public bool? TrustOnFirstUse { get; set; }

    [Input("Jump hosts traversed in order to reach the hosts (ssh ProxyJump), each with its own user, port and key.")]
    public List<JumpHost>? JumpHosts { get; set; }

    [Input("Run remote commands through `sudo -n`. Defaults to true when the SSH user is not root.", Env = "MVM_SUDO")]
    public bool? Sudo { get; set; }

    [Input("The `connectString` of the MvmCluster that `pulumi import` reads cluster objects (e.g. a CephPool) from: " +
        "an import id carries only the object's name, and the import is given no inputs. Not used otherwise; " +
        "resources name their cluster with their own `connectString`.", Secret = true,
        Env = "MVM_IMPORT_CONNECT_STRING")]
    public string? ImportConnectString { get; set; }

    [Input("How long to wait for an SSH connection, e.g. `10s`.", Default = "15s", Env = "MVM_CONNECT_TIMEOUT")]
    public string? ConnectTimeout { get; set; }

    [Input("Default limit for a create, e.g. `60m`; the resource option customTimeouts.create takes precedence.",
        Default = "60m", Env = "MVM_CREATE_TIMEOUT")]
    public string? CreateTimeout { get; set; }

    [Input("Default limit for an update; customTimeouts.update takes precedence.", Default = "60m",
        Env = "MVM_UPDATE_TIMEOUT")]
    public string? UpdateTimeout { get; set; }

    [Input("Default limit for a delete; customTimeouts.delete takes precedence.", Default = "60m",
        Env = "MVM_DELETE_TIMEOUT")]
    public string? DeleteTimeout { get; set; }

    [Input("How long a cluster operation waits for Ceph HEALTH_OK with every PG active+clean before it fails, e.g. " +
        "`30m`. A condition waiting cannot clear (a monitor of a departed host, full OSDs, a low monitor disk, a " +
        "crash report) fails it sooner.", Default = "15m", Env = "MVM_CEPH_HEALTH_TIMEOUT")]
    public string? CephHealthTimeout { get; set; }

    [Input("Default limit for a read (refresh, import).", Default = "10m", Env = "MVM_READ_TIMEOUT")]
    public string? ReadTimeout { get; set; }
}

[ObjectType("JumpHost", "One hop of an SSH jump-host chain.")]
public sealed class JumpHost
{
    [Input("Address or name of the jump host.", Required = true)]
    public string? Address { get; set; }

    [Input("SSH port of the jump host.", Default = 22)]
    public int? Port { get; set; }

    [Input("Login user on the jump host; defaults to the provider's `sshUser`.")]
    public string? User { get; set; }

    [Input("Private key for this hop; defaults to the provider's key.", Secret = true)]
    public string? PrivateKey { get; set; }

    [Input("Pinned host public key of the jump host.")]
    public string? HostKey { get; set; }
}
