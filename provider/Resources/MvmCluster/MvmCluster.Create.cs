using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmCluster;

// Create: every host checked before any change, then install, Ceph, join, HEALTH_OK.
public sealed partial class MvmCluster
{
    protected override async Task<(string Id, MvmClusterState State)> CreateAsync(MvmClusterArgs args,
        OperationContext ctx)
    {
        var p = Provisioners.For(SettingsOf(args), ctx);
        var hosts = Declared(args);
        var nodes = await p.InspectAsync(hosts, existingFsid: null);
        var id = await p.NewUuidAsync(nodes[0]);
        var plan = p.Hci ? p.PlanCeph(nodes, id) : null;
        var info = InfoOf(args, id, await p.NewUuidAsync(nodes[0]));
        var state = StateOf(args, info);
        state.HostStates = hosts.Select(h => new ClusterHostState
        {
            Name = h.Name, Address = h.Address, State = HostStatus.Provisioning, OsdIds = [], Maintenance = false,
        }).ToList();
        await ctx.InfoAsync($"cluster {info.Name} ({id}): {nodes.Count} hosts passed the checks; installing");
        try
        {
            await p.InstallAsync(nodes);
            if (plan is not null) await CephBootstrap.RunAsync(plan, nodes, ctx);
            var osds = await p.JoinAsync(info, nodes[0].Host, nodes, info.ComputeVlanIds, "cluster",
                copyNetworks: false);
            state.Osds = OsdState.ListOf(osds);
            await p.WaitHealthyAsync(nodes[0].Host);
            await ReadIntoAsync(state, new ClusterConnection(info, ctx.RemoteHosts()), ctx);
            return (id, state);
        }
        catch (Exception e)
        {
            throw Unfinished(id, state, e);
        }
    }
}
