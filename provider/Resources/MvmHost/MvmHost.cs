using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmHost;

public class MvmHostArgs : HostFields
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Display name of the host, unique in the cluster; other resources (e.g. VirtualMachine `host`) refer to the host by it. Defaults to the resource name.")]
    public string? Name { get; set; }

    [Input("Put the host in maintenance: its running VMs are live-migrated (stopped ones moved) to other hosts with room and it takes no new VMs. Entry is refused, listing the VMs and why, when a VM is pinned to it or the other hosts lack capacity. Set back to false to return it to service.", Default = false)]
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

    [Output("Host public key learned on first connection (when trust-on-first-use was allowed); pin it with `hostKey`.")]
    public string? LearnedHostKey { get; set; }

    [Output("Ceph cluster id (fsid) of the cluster the host joined.", Stable = true)]
    public string? ClusterFsid { get; set; }
}

[ResourceType("MvmHost", """
A hypervisor host joined to an existing MvmCluster ("add worker") from the cluster's
`connectString`, so another stack can add workers through a stack reference. The host is
validated and installed like the cluster's own hosts, its data devices become OSDs, and it joins
the OVS networks and libvirt pools. `maintenance: true` drains it of VMs; changing `dataDevices`
adds or safely removes OSDs; deleting it decommissions it OSD-safely.
""")]
public sealed class MvmHost : Resource<MvmHostArgs, MvmHostState>
{
    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    protected override void Validate(MvmHostArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        HostChecks.CheckName(ctx, "name", args.Name, args.Name == ctx.ResourceName ? " (it defaults to the resource name; set `name` explicitly)" : "");
        HostChecks.Check(ctx, "", args);
    }

    protected override IReadOnlyList<string> Plan(MvmHostState? olds, MvmHostArgs news)
    {
        if (olds is null)
            return [$"check host {news.Name} ({news.Address}) before any change, install, join the cluster" +
                    (news.DataDevices is { Count: > 0 } d ? $" with OSDs on {string.Join(", ", d)}" : "") +
                    ", OVS bridge, the cluster's VLAN networks, libvirt secret and pool; wait for HEALTH_OK"];
        var steps = new List<string>();
        foreach (var dev in (news.DataDevices ?? []).Except(olds.DataDevices ?? [])) steps.Add($"new OSD on {dev}");
        var removed = (olds.DataDevices ?? []).Except(news.DataDevices ?? [])
            .Select(d => (Dev: d, Id: (olds.Osds ?? []).FirstOrDefault(o => o.Device == d)?.Id)).ToList();
        var known = removed.Where(r => r.Id is not null).ToList();
        if (known.Count > 0)
            steps.AddRange(RemovalPlan.Describe(new RemovalRequest(known.Select(r => r.Id!.Value).ToList(), null, null),
                known.ToDictionary(r => r.Id!.Value, r => new OsdPlacement(news.Name ?? "", r.Dev))));
        foreach (var r in removed.Where(r => r.Id is null)) steps.Add($"remove the OSD on {r.Dev} (its id is read from the host)");
        if (news.Maintenance == true && olds.Maintenance != true) steps.Add("enter maintenance: live-migrate its running VMs and move its shut-off ones to other hosts in service with room (refused before any change, listing each VM and why, when one is pinned, has local disks or fits nowhere); then no new VMs are placed here");
        if (news.Maintenance != true && olds.Maintenance == true) steps.Add("leave maintenance: the host takes VMs again");
        if (steps.Count > 0) steps.Add("wait for HEALTH_OK with every PG active+clean");
        return steps;
    }

    protected override Task<(string Id, MvmHostState State)> CreateAsync(MvmHostArgs args, OperationContext ctx) =>
        HostLifecycle.CreateAsync(args, ctx);

    protected override Task<MvmHostState?> ReadAsync(string id, MvmHostState? state, OperationContext ctx) =>
        HostLifecycle.ReadAsync(id, state, ctx);

    protected override Task<MvmHostState> UpdateAsync(string id, MvmHostState olds, MvmHostArgs news, DiffResult diff, OperationContext ctx) =>
        HostLifecycle.UpdateAsync(id, olds, news, ctx);

    protected override Task DeleteAsync(string id, MvmHostState state, OperationContext ctx) =>
        HostLifecycle.DeleteAsync(id, state, ctx);
}
