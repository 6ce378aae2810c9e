using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmHost;

/// <summary>
/// The resource, split by what it does: Create, Read, Update and Delete beside this file. A host
/// joins with the cluster layer's operations, the same MvmCluster uses, given the cluster's
/// settings from the connect string (<see cref="ClusterInfo.Settings"/>).
/// </summary>
[ResourceType("MvmHost", """
A hypervisor host joined to an existing MvmCluster ("add worker") from the cluster's
`connectString`, so another stack can add workers through a stack reference. The host is
validated and installed like the cluster's own hosts, its data devices become OSDs, and it joins
the OVS networks and libvirt pools. `maintenance: true` drains it of VMs; changing `dataDevices`
adds or safely removes OSDs; deleting it decommissions it OSD-safely.
""")]
public sealed partial class MvmHost : Resource<MvmHostArgs, MvmHostState>
{
    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    protected override void Validate(MvmHostArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        HostChecks.CheckName(ctx, "name", args.Name,
            args.Name == ctx.ResourceName ? " (it defaults to the resource name; set `name` explicitly)" : "");
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
        foreach (var r in removed.Where(r =>
            r.Id is null)) steps.Add($"remove the OSD on {r.Dev} (its id is read from the host)");
        if (news.Maintenance == true &&
            olds.Maintenance != true) steps.Add("enter maintenance: live-migrate its running VMs and move its " +
            "shut-off ones to other hosts in service with room (refused before any change, listing each VM and why, " +
            "when one is pinned, has local disks or fits nowhere); then no new VMs are placed here");
        if (news.Maintenance != true &&
            olds.Maintenance == true) steps.Add("leave maintenance: the host takes VMs again");
        if (steps.Count > 0) steps.Add("wait for HEALTH_OK with every PG active+clean");
        return steps;
    }

    /// <summary>The host as the cluster layer takes it.</summary>
    internal static MemberHost SpecOf(MvmHostArgs a) => a.ToMember(a.Name);

    private static MvmHostState StateOf(MvmHostArgs args, ClusterInfo info)
    {
        var state = States.FromInputs<MvmHostArgs, MvmHostState>(args);
        state.ClusterFsid = info.IsHci ? info.Fsid : null;
        return state;
    }

    private static Task SetMaintenanceAsync(ClusterConnection conn, ClusterNode node, bool maintenance,
        OperationContext ctx) =>
        ctx.StepAsync("record maintenance", node.Name, ct => conn.RegisterAsync(
            new ClusterMember { Host = node.Spec, Hostname = node.Hostname, JoinedBy = "host",
                Maintenance = maintenance }, ct));

    /// <summary>
    /// The init failure a create or update ends with once changes began: the state says what exists now, so the next
    /// `up` continues.
    /// </summary>
    private static ResourceInitFailedException Unfinished(string id, MvmHostState state, Exception e) =>
        Failures.InitFailed(id, state, e, "run `pulumi up` again to continue from where it stopped");
}
