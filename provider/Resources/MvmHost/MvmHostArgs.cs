using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmHost;

public class MvmHostArgs : HostFields
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Display name of the host, unique in the cluster; other resources (e.g. VirtualMachine `host`) refer to " +
        "the host by it. Defaults to the resource name.")]
    public string? Name { get; set; }

    [Input("Put the host in maintenance: its running VMs are live-migrated (stopped ones moved) to other hosts with " +
        "room and it takes no new VMs. Entry is refused, listing the VMs and why, when a VM is pinned to it or the " +
        "other hosts lack capacity. Set back to false to return it to service.", Default = false)]
    public bool? Maintenance { get; set; }
}

public sealed class MvmHostState : MvmHostArgs
{
    [Output("Where the host is in its life in the cluster.", Always = true)]
    public HostStatus? State { get; set; }

    [Output("Ids of the Ceph OSDs on this host, one per data device.")]
    public List<int>? OsdIds { get; set; }

    [Output("The host's Ceph OSDs with their devices and up/in state.")]
    public List<OsdState>? Osds { get; set; }

    [Output("Names of the VMs currently running on this host.")]
    public List<string>? Vms { get; set; }

    [Output("Host public key learned on first connection (when trust-on-first-use was allowed); pin it with " +
        "`hostKey`.")]
    public string? LearnedHostKey { get; set; }

    [Output("Ceph cluster id (fsid) of the cluster the host joined.", Stable = true)]
    public string? ClusterFsid { get; set; }
}
