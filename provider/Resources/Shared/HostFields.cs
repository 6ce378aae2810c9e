using Mvm.Framework.Config;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// The fields that describe one hypervisor host: how to reach it over SSH (each overriding the
/// provider configuration), which disks become Ceph OSDs, and which NICs carry which traffic.
/// Shared by MvmCluster.hosts[] (<see cref="ClusterHost"/>) and MvmHost, which declare `name` themselves.
/// </summary>
public abstract class HostFields
{
    [Input("Address the host is reached at over SSH: an IP address or DNS name, without user or port. Its management " +
        "network address; it must be static.", Required = true)]
    public string? Address { get; set; }

    [Input("SSH port of this host; overrides the provider's `sshPort`.")]
    public int? SshPort { get; set; }

    [Input("SSH login user for this host; overrides the provider's `sshUser`. A non-root user needs passwordless " +
        "sudo.")]
    public string? SshUser { get; set; }

    [Input("Private key (OpenSSH or PEM text) for this host; overrides the provider's `sshPrivateKey`. Never written " +
        "to a command line.", Secret = true)]
    public string? SshPrivateKey { get; set; }

    [Input("SSH password for this host; overrides the provider's `sshPassword`. Passed through SSH_ASKPASS, never on " +
        "a command line.", Secret = true)]
    public string? SshPassword { get; set; }

    [Input("Pinned public host key of this host (e.g. the content of /etc/ssh/ssh_host_ed25519_key.pub). When set, " +
        "only this key is accepted.")]
    public string? HostKey { get; set; }

    [Input("Jump hosts traversed in order to reach this host (ssh ProxyJump); overrides the provider's `jumpHosts`.")]
    public List<JumpHost?>? JumpHosts { get; set; }

    [Input("Run remote commands on this host through `sudo -n`; overrides the provider's `sudo`.")]
    public bool? Sudo { get; set; }

    [Input("Block devices that become Ceph OSDs, one OSD per device, as absolute paths (e.g. `/dev/vdb`, " +
        "`/dev/disk/by-id/nvme-…`). Each must be unused: no partitions, filesystem or mounts. Adding one creates " +
        "an OSD; removing one drains and removes its OSD safely.")]
    public List<string?>? DataDevices { get; set; }

    [Input("Interface carrying management traffic (SSH, Ceph monitors, libvirt migration), e.g. `eno1`. Defaults to " +
        "the interface holding `address`.")]
    public string? ManagementInterface { get; set; }

    [Input("Interface carrying Ceph replication traffic, e.g. `eno2`. Defaults to the management interface.")]
    public string? StorageInterface { get; set; }

    [Input("Interface the Open vSwitch bridge for VM traffic (the compute VLAN trunk) is built on, e.g. `eno3`. It " +
        "becomes a port of the bridge and any address it holds moves to the bridge. Defaults to the management " +
        "interface.")]
    public string? ComputeInterface { get; set; }
}

/// <summary>One entry of MvmCluster.hosts: a host formed into the cluster at creation or added later.</summary>
[ObjectType("ClusterHost", "A hypervisor host of an MvmCluster: how to reach it, its Ceph data devices and its " +
    "network interfaces.")]
public sealed class ClusterHost : HostFields
{
    [Input("Display name of the host, unique in the cluster; other resources (e.g. VirtualMachine `host`) refer to " +
        "the host by it. Diffs follow hosts by this name, so renaming a host means removing and re-adding it.",
        Required = true)]
    public string? Name { get; set; }
}
