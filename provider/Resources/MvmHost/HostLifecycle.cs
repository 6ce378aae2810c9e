using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.MvmHost;

/// <summary>
/// MvmHost's create, read, update and delete: a host joining an existing cluster from its
/// connect string, its data devices following the list, maintenance, and OSD-safe decommission.
/// </summary>
public static class HostLifecycle
{
    public static ClusterHost SpecOf(MvmHostArgs a) => new()
    {
        Name = a.Name,
        Address = a.Address,
        SshPort = a.SshPort,
        SshUser = a.SshUser,
        SshPrivateKey = a.SshPrivateKey,
        SshPassword = a.SshPassword,
        HostKey = a.HostKey,
        JumpHosts = a.JumpHosts,
        Sudo = a.Sudo,
        DataDevices = a.DataDevices,
        ManagementInterface = a.ManagementInterface,
        StorageInterface = a.StorageInterface,
        ComputeInterface = a.ComputeInterface,
    };

    /// <summary>The cluster's own settings, as the shared provisioning steps take them.</summary>
    public static MvmClusterArgs ClusterArgsOf(ClusterInfo info) => new()
    {
        Name = info.Name,
        Layout = info.IsHci ? ClusterLayout.Hci : ClusterLayout.Standard,
        DomainType = info.DomainType == "qemu" ? DomainType.Qemu : DomainType.Kvm,
        OvsDatapath = info.OvsDatapath == "netdev" ? OvsDatapath.Netdev : OvsDatapath.System,
        CpuModel = info.CpuModel,
        VmPool = info.VmPool,
        OvsBridge = info.OvsBridge,
        MinimumMemoryGiB = info.MinimumMemoryGiB,
        MemoryPerOsdGiB = info.MemoryPerOsdGiB,
    };

    public static async Task<(string Id, MvmHostState State)> CreateAsync(MvmHostArgs args, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(args.ConnectString, ctx);
        var spec = SpecOf(args);
        var members = await ctx.StepAsync("read cluster members", null, ct => conn.MembersAsync(ct), readOnly: true);
        if (members.FirstOrDefault(m => string.Equals(m.Name, spec.Name, StringComparison.OrdinalIgnoreCase)) is { } taken && taken.Host.Address != spec.Address)
            throw new PreconditionFailedException($"cluster {conn.Info.Name} already has a host named {spec.Name} (at {taken.Host.Address}); choose another name");

        var p = new ClusterProvisioner(ClusterArgsOf(conn.Info), ctx);
        var node = (await p.InspectAsync([spec], conn.Info.IsHci ? conn.Info.Fsid : null))[0];
        var source = conn.Info.IsHci ? (await conn.CephAsync(ctx.CancellationToken)).Host : conn.Connect(members.First(m => m.Name != spec.Name).Host);
        var state = StateOf(args, conn.Info);
        state.State = HostStatus.Provisioning;
        try
        {
            await p.InstallAsync([node]);
            var osds = await p.JoinAsync(conn.Info, source, [node], conn.Info.ComputeVlanIds, "host", copyNetworks: true);
            state.Osds = ClusterLifecycle.OsdsOf(osds);
            if (args.Maintenance == true)
            {
                // A host that joins in maintenance: usually empty, but one that already ran VMs is drained like any other.
                await SetMaintenanceAsync(conn, node, true, ctx);
                var drain = await HostDrain.PlanAsync(conn, spec, node.Host, [], ctx);
                await HostDrain.RunAsync(conn, drain, spec, node.Host, ctx);
            }
            await p.WaitHealthyAsync(source);
            await ReadIntoAsync(state, conn, ctx);
            return (spec.Name!, state);
        }
        catch (Exception e)
        {
            throw Failures.InitFailed(spec.Name!, state, e, "run `pulumi up` again to continue from where it stopped");
        }
    }

    public static async Task<MvmHostState?> ReadAsync(string id, MvmHostState? state, OperationContext ctx)
    {
        if (state?.ConnectString is null)
            throw new PreconditionFailedException("an MvmHost cannot be imported by id alone: it needs its SSH settings. Declare it in the program and run `pulumi up`, which adopts a host that already joined.");
        var conn = ClusterConnection.Open(state.ConnectString, ctx);
        // The member registry (hci) says positively whether the host is still in the cluster. A
        // standard cluster keeps none (its members are only the connect string's hosts), so its
        // absence there says nothing: the host is read as it is, never reported gone.
        if (conn.Info.IsHci)
        {
            var members = await ctx.StepAsync("read cluster members", null, ct => conn.MembersAsync(ct), readOnly: true);
            if (!members.Any(m => string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase))) return null;
        }
        await ReadIntoAsync(state, conn, ctx);
        return state;
    }

    public static async Task<MvmHostState> UpdateAsync(string id, MvmHostState olds, MvmHostArgs news, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(news.ConnectString, ctx);
        var spec = SpecOf(news);
        var state = StateOf(news, conn.Info);
        state.Osds = olds.Osds;
        var p = new ClusterProvisioner(ClusterArgsOf(conn.Info), ctx);
        try
        {
            var node = (await p.InspectAsync([spec], conn.Info.IsHci ? conn.Info.Fsid : null))[0];
            var ceph = conn.Info.IsHci ? await conn.CephAsync(ctx.CancellationToken) : null;
            var source = ceph?.Host ?? node.Host;
            var removed = (olds.DataDevices ?? []).Where(d => d is not null && !(news.DataDevices ?? []).Contains(d)).Select(d => d!).ToList();
            RemovalWork? removal = null;
            if (ceph is not null && removed.Count > 0)
            {
                var osds = new List<OsdToRemove>();
                foreach (var dev in removed)
                {
                    var osd = (olds.Osds ?? []).FirstOrDefault(o => o.Device == dev)?.Id
                        ?? (await new CephVolume(node.Host, ClusterConnection.CephContext).RawListAsync(dev, ctx.CancellationToken)).FirstOrDefault()?.OsdId;
                    if (osd is { } i) osds.Add(new OsdToRemove(spec, i, dev));
                }
                removal = new RemovalWork(osds, []);
                await ClusterRemoval.CheckAsync(ceph, removal, source.Name, ctx);
            }
            // Planned on every update while in maintenance, so a drain cut short finishes on the next `up`.
            DrainPlan? drain = null;
            if (news.Maintenance == true)
            {
                drain = await HostDrain.PlanAsync(conn, spec, node.Host, [], ctx);
                HostDrain.RefuseUnlessPossible(drain, "enter maintenance");
            }

            await p.InstallAsync([node]);
            var added = await p.JoinAsync(conn.Info, source, [node], conn.Info.ComputeVlanIds, "host", copyNetworks: true);
            state.Osds = (state.Osds ?? []).Where(o => !added.Values.SelectMany(v => v.Values).Contains(o.Id ?? -1))
                .Concat(ClusterLifecycle.OsdsOf(added)).OrderBy(o => o.Id).ToList();
            if (removal is not null && ceph is not null)
                await ClusterRemoval.RunAsync(removal, ceph, conn, ctx, osd => state.Osds?.RemoveAll(o => o.Id == osd), _ => { });
            // Recorded before the drain: no new VM is placed here while the others leave.
            await SetMaintenanceAsync(conn, node, news.Maintenance == true, ctx);
            if (drain is not null) await HostDrain.RunAsync(conn, drain, spec, node.Host, ctx);
            await p.WaitHealthyAsync(source);
            await ReadIntoAsync(state, conn, ctx);
            return state;
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted)
        {
            throw Failures.InitFailed(id, state, e, "run `pulumi up` again to continue from where it stopped");
        }
    }

    public static async Task DeleteAsync(string id, MvmHostState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx);
        var spec = SpecOf(state);
        var host = conn.Connect(spec);
        var members = await ctx.StepAsync("read cluster members", null, ct => conn.MembersAsync(ct), readOnly: true);
        var member = members.FirstOrDefault(m => string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase));
        if (!conn.Info.IsHci)
        {
            await ClusterTeardown.LeaveAsync(host, spec.Name!, conn.Info, ctx);
            return;
        }
        var ceph = await conn.CephAsync(ctx.CancellationToken);
        var hostname = member?.Hostname is { Length: > 0 } hn ? hn : spec.Name!;
        var work = await ClusterRemoval.PlanHostAsync(ceph, conn, spec, hostname, host, ctx, state.Osds);
        await ClusterRemoval.RunAsync(work, ceph, conn, ctx, _ => { }, _ => { });
        if (work.Hosts.Any(h => h.MonName is not null))
        {
            // An MvmHost has no declared peers to hand its monitor to: the members' mon_host follows the smaller map.
            var left = members.Where(m => !string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase)).ToList();
            await CephMonitors.SyncMonHostAsync(ceph, left.Select(m => (m.Name, conn.Connect(m.Host))), ctx, conn.Info.VmPool);
            await ctx.WarningAsync($"{spec.Name} carried a Ceph monitor; the cluster now runs one fewer. Add a host to the MvmCluster's hosts list to get back to {ClusterProvisioner.MaxMonitors}.");
        }
    }

    private static Task SetMaintenanceAsync(ClusterConnection conn, ClusterNode node, bool maintenance, OperationContext ctx) =>
        ctx.StepAsync("record maintenance", node.Name, ct => conn.RegisterAsync(
            new ClusterMember { Host = node.Spec, Hostname = node.Hostname, JoinedBy = "host", Maintenance = maintenance }, ct));

    private static MvmHostState StateOf(MvmHostArgs args, ClusterInfo info)
    {
        var state = States.FromInputs<MvmHostArgs, MvmHostState>(args);
        state.ClusterFsid = info.IsHci ? info.Fsid : null;
        return state;
    }

    private static async Task ReadIntoAsync(MvmHostState state, ClusterConnection conn, OperationContext ctx)
    {
        var spec = SpecOf(state);
        var host = conn.Connect(spec);
        bool reachable;
        try
        {
            state.Vms = (await new Virsh(host).ListAsync(ctx.CancellationToken)).Select(d => d.Name).ToList();
            reachable = true;
        }
        catch (Exception e) when (e is HostUnreachableException or RemoteCommandFailedException or ToolMissingException)
        {
            reachable = false;
        }
        if (conn.Info.IsHci)
        {
            var ceph = await conn.CephAsync(ctx.CancellationToken);
            var members = await conn.MembersAsync(ctx.CancellationToken);
            var hostname = members.FirstOrDefault(m => m.Name == spec.Name)?.Hostname is { Length: > 0 } hn ? hn : spec.Name;
            var tree = await ceph.OsdTreeAsync(ctx.CancellationToken);
            var devices = (state.Osds ?? []).Where(o => o.Id is not null).ToDictionary(o => o.Id!.Value, o => o.Device);
            state.Osds = tree.Osds.Where(o => o.Host == hostname).Select(o => new OsdState
            {
                Id = o.Id,
                Host = spec.Name,
                Device = devices.GetValueOrDefault(o.Id),
                Up = o.Up,
                In = o.In,
            }).OrderBy(o => o.Id).ToList();
            state.OsdIds = state.Osds.Select(o => o.Id!.Value).ToList();
        }
        state.State = !reachable ? HostStatus.Unreachable
            : state.Maintenance == true ? HostStatus.Maintenance
            : (state.Osds ?? []).All(o => o.Up == true && o.In == true) ? HostStatus.Ready : HostStatus.Provisioning;
    }
}
