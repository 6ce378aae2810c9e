using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.Cluster;

/// <summary>
/// Carries out a change of an MvmCluster's inputs on the hosts: hosts added are checked,
/// installed and joined; data devices added become OSDs; devices and hosts removed are drained
/// OSD-safely; VLANs and Ceph settings follow the lists. Everything converges from what the hosts
/// say, so an update interrupted half-way finishes on the next `up`.
/// </summary>
public static class ClusterUpdate
{
    public static async Task RunAsync(ClusterProvisioner p, MvmClusterState olds, ClusterInfo oldInfo, MvmClusterArgs news, ClusterInfo info,
        MvmClusterState state, OperationContext ctx)
    {
        var oldHosts = ClusterLifecycle.Declared(olds);
        var newHosts = ClusterLifecycle.Declared(news);
        var kept = newHosts.Where(h => oldHosts.Any(o => Same(o, h))).ToList();
        var removedHosts = oldHosts.Where(o => !newHosts.Any(h => Same(o, h))).ToList();
        if (kept.Count == 0)
            throw new PreconditionFailedException("at least one host must stay in the cluster across an update (it carries the cluster to the new hosts); add the new hosts first, remove the old ones in a later update");

        var nodes = await p.InspectAsync(newHosts, p.Hci ? info.Fsid : null);
        var source = nodes.First(n => kept.Any(k => Same(k, n.Spec)));
        var removal = p.Hci ? await ClusterRemoval.PlanAsync(p, olds, oldHosts, removedHosts, newHosts, source, ctx) : null;
        var drains = new List<(ClusterHost Host, DrainPlan Plan)>();
        if (!p.Hci)
        {
            var conn = new ClusterConnection(oldInfo, ctx.Hosts);
            foreach (var h in removedHosts)
                drains.Add((h, await HostDrain.PlanAsync(conn, h, p.Connect(h), removedHosts.Select(r => r.Name!).ToList(), ctx)));
            foreach (var d in drains) HostDrain.RefuseUnlessPossible(d.Plan, "leave the cluster");
        }

        await p.InstallAsync(nodes);
        var osds = await p.JoinAsync(info, source.Host, nodes, info.ComputeVlanIds, "cluster", copyNetworks: true);
        state.Osds = Merge(state.Osds, osds);

        var droppedVlans = oldInfo.ComputeVlanIds.Except(info.ComputeVlanIds).ToList();
        if (droppedVlans.Count > 0)
            await Task.WhenAll(nodes.Select(n => OvsNetworking.RemoveVlanNetworksAsync(n, droppedVlans, ctx)));

        if (p.Hci)
        {
            var ceph = new Ceph(source.Host, ClusterConnection.CephContext);
            await ctx.StepAsync("apply Ceph settings", source.Name, async ct =>
            {
                foreach (var key in (olds.CephConfig ?? []).Keys.Except((news.CephConfig ?? []).Keys))
                    await ceph.ConfigRemoveAsync("global", key, ct);
                foreach (var (key, value) in news.CephConfig ?? [])
                    await ceph.ConfigSetAsync("global", key, value, ct);
            });
            if (removal is not null)
            {
                foreach (var h in removal.Hosts)
                    if (state.HostStates?.FirstOrDefault(s => s.Name == h.Host.Name) is { } hs) hs.State = HostStatus.Decommissioning;
                await ClusterRemoval.RunAsync(removal, ceph, new ClusterConnection(oldInfo, ctx.Hosts), ctx,
                    id => state.Osds?.RemoveAll(x => x.Id == id),
                    name => state.HostStates?.RemoveAll(x => x.Name == name));
            }
            await p.WaitHealthyAsync(source.Host);
        }
        else
        {
            var conn = new ClusterConnection(oldInfo, ctx.Hosts);
            foreach (var (h, plan) in drains) await HostDrain.RunAsync(conn, plan, h, p.Connect(h), ctx);
            foreach (var h in removedHosts)
            {
                await ClusterTeardown.LeaveAsync(p.Connect(h), h.Name!, oldInfo, ctx);
                await MigrationTrust.ForgetAsync(info, h.Name!, nodes.Select(n => (n.Spec, n.Host)).ToList(), ctx);
            }
        }
    }

    private static bool Same(ClusterHost a, ClusterHost b) => ClusterLifecycle.SameHost(a, b);

    private static List<OsdState> Merge(List<OsdState>? prior, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> created)
    {
        var result = (prior ?? []).ToList();
        foreach (var o in ClusterLifecycle.OsdsOf(created))
        {
            result.RemoveAll(x => x.Id == o.Id);
            result.Add(o);
        }
        return result.OrderBy(o => o.Id).ToList();
    }
}
