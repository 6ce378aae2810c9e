using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmCluster;

// Update: the hosts, devices, VLANs and Ceph settings follow the inputs.
public sealed partial class MvmCluster
{
    protected override async Task<MvmClusterState> UpdateAsync(string id, MvmClusterState olds, MvmClusterArgs news,
        DiffResult diff,
        OperationContext ctx)
    {
        var oldInfo = ConnectString.Decode(olds.ConnectString);
        var info = InfoOf(news, id, oldInfo.LibvirtSecretUuid);
        var state = StateOf(news, info);
        state.Osds = olds.Osds;
        state.HostStates = olds.HostStates;
        var p = Provisioners.For(SettingsOf(news), ctx);
        try
        {
            await ChangeAsync(p, olds, oldInfo, news, info, state, ctx);
            await ReadIntoAsync(state, new ClusterConnection(info, ctx.RemoteHosts()), ctx);
            return state;
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted)
        {
            // State must say what exists now (a host half-joined, an OSD half-removed) so the next up continues.
            throw Unfinished(id, state, e);
        }
    }

    /// <summary>
    /// Carries out a change of the inputs on the hosts: hosts added are checked, installed and
    /// joined; data devices added become OSDs; devices and hosts removed are drained OSD-safely;
    /// VLANs and Ceph settings follow the lists. Everything converges from what the hosts say, so an
    /// update interrupted half-way finishes on the next `up`.
    /// </summary>
    private static async Task ChangeAsync(ClusterProvisioner p, MvmClusterState olds, ClusterInfo oldInfo,
        MvmClusterArgs news, ClusterInfo info,
        MvmClusterState state, OperationContext ctx)
    {
        var oldHosts = Declared(olds);
        var newHosts = Declared(news);
        var kept = newHosts.Where(h => oldHosts.Any(o => SameHost(o, h))).ToList();
        var removedHosts = oldHosts.Where(o => !newHosts.Any(h => SameHost(o, h))).ToList();
        if (kept.Count == 0)
            throw new PreconditionFailedException("at least one host must stay in the cluster across an update (it " +
                "carries the cluster to the new hosts); add the new hosts first, remove the old ones in a later " +
                "update");

        var phases = new PhaseClock();
        var nodes = await p.InspectAsync(newHosts, p.Hci ? info.Fsid : null);
        var source = nodes.First(n => kept.Any(k => SameHost(k, n.Spec)));
        var removal = p.Hci ? await PlanRemovalAsync(p, olds, oldHosts, removedHosts, newHosts, source, ctx) : null;
        var drains = new List<(MemberHost Host, DrainPlan Plan)>();
        if (!p.Hci)
        {
            var conn = new ClusterConnection(oldInfo, ctx.RemoteHosts());
            foreach (var h in removedHosts)
                drains.Add((h, await HostDrain.PlanAsync(conn, h, p.Connect(h),
                    removedHosts.Select(r => r.Name!).ToList(), ctx)));
            foreach (var d in drains) HostDrain.RefuseUnlessPossible(d.Plan, "leave the cluster");
        }

        phases.Lap("inspect and plan");
        await p.InstallAsync(nodes);
        phases.Lap("install");
        var osds = await p.JoinAsync(info, source.Host, nodes, info.ComputeVlanIds, "cluster", copyNetworks: true);
        state.Osds = Merge(state.Osds, osds);
        phases.Lap("join");

        var droppedVlans = oldInfo.ComputeVlanIds.Except(info.ComputeVlanIds).ToList();
        if (droppedVlans.Count > 0)
            await Task.WhenAll(nodes.Select(n => OvsNetworking.RemoveVlanNetworksAsync(n, droppedVlans, ctx)));

        if (p.Hci)
        {
            var ceph = new Ceph(source.Host, ClusterConnection.CephContext);
            await ctx.StepAsync("apply Ceph settings", source.Name, async ct =>
            {
                await ceph.ConfigSetAllAsync("global", news.CephConfig ?? [], ct);
                // A key that is no option name (state written before Check knew Ceph's rule, e.g.
                // one ending in a newline) was refused when it was to be set, so the monitors never
                // held it: there is nothing to remove, and asking would only fail again.
                foreach (var key in (olds.CephConfig ?? []).Keys.Except((news.CephConfig ?? []).Keys))
                    if (Ceph.ConfigOptionProblem(key) is null) await ceph.ConfigRemoveAsync("global", key, ct);
            });
            phases.Lap("VLANs and Ceph settings");
            IReadOnlyCollection<string> departed = [];
            if (removal is not null)
            {
                foreach (var h in removal.Hosts)
                    if (state.HostStates?.FirstOrDefault(s =>
                        s.Name == h.Host.Name) is { } hs) hs.State = HostStatus.Decommissioning;
                var departing = removal.Hosts.Where(h => h.MonName is not null).Select(h => h.MonName!).ToList();
                await ClusterRemoval.RunAsync(removal, ceph, new ClusterConnection(oldInfo, ctx.RemoteHosts()), ctx,
                    id => state.Osds?.RemoveAll(x => x.Id == id),
                    name => state.HostStates?.RemoveAll(x => x.Name == name),
                    h => ReplaceMonitorAsync(ceph, news, nodes, source, h, departing, ctx), phases);
                departed = departing;
            }
            // Every member's clients, OSDs and managers read mon_host when they start. The declared hosts are
            // checked on every update, so a removal interrupted after its `mon remove` still converges;
            // MvmHost workers too when a monitor left in this run.
            var members = departed.Count == 0 ? nodes.Select(n => (n.Name, n.Host)).ToList()
                : (await new ClusterConnection(oldInfo, ctx.RemoteHosts()).MembersAsync(ctx.CancellationToken))
                    .Select(m => (m.Name, nodes.FirstOrDefault(n => n.Name == m.Name)?.Host ?? p.Connect(m.Host)))
                        .ToList();
            await CephMonitors.SyncMonHostAsync(ceph, members, ctx, oldInfo.VmPool);
            phases.Lap("mon_host");
            await p.WaitHealthyAsync(source.Host, departed);
            phases.Lap("HEALTH_OK");
        }
        else
        {
            var conn = new ClusterConnection(oldInfo, ctx.RemoteHosts());
            foreach (var (h, plan) in drains) await HostDrain.RunAsync(conn, plan, h, p.Connect(h), ctx);
            foreach (var h in removedHosts)
            {
                await ClusterTeardown.LeaveAsync(p.Connect(h), h.Name!, oldInfo, ctx);
                await MigrationTrust.ForgetAsync(info, h.Name!, nodes.Select(n => (n.Spec, n.Host)).ToList(), ctx);
            }
        }
        await ctx.InfoAsync("update took " + phases);
    }

    /// <summary>
    /// Before a monitor host leaves: when the monitors that stay would be fewer than min(3, hosts),
    /// the first remaining host without a monitor gets one (<see cref="MonitorPlan"/>), in quorum
    /// before the old one is touched. Its address is the host's on the Ceph public network.
    /// </summary>
    private static async Task ReplaceMonitorAsync(Ceph ceph, MvmClusterArgs news, IReadOnlyList<ClusterNode> nodes,
        ClusterNode source, HostToRemove leaving, IReadOnlyCollection<string> departing, OperationContext ctx)
    {
        var map = await ctx.StepAsync("read monitors", source.Name, ct => ceph.MonDumpAsync(ct), readOnly: true);
        var names = map.Mons.Select(m => m.Name).ToList();
        if (MonitorPlan.Replacement(names, leaving.MonName!, departing,
            nodes.Select(n => n.Name).ToList()) is not { } pick)
        {
            var staying = names.Count(m => m != leaving.MonName && !departing.Contains(m));
            if (staying < MonitorPlan.Wanted(nodes.Count))
                await ctx.WarningAsync($"monitor {leaving.MonName} leaves {staying} monitor(s) and every remaining " +
                    $"host has one; add a host to get back to {ClusterProvisioner.MaxMonitors}");
            return;
        }
        var candidate = nodes.First(n => n.Name == pick);
        var network = news.CephPublicNetwork ?? source.ManagementNetwork();
        var address = network is null ? null : candidate.AddressIn(System.Net.IPNetwork.Parse(network));
        if (address is null)
            throw new PreconditionFailedException($"{candidate.Name} would take over monitor {leaving.MonName}, but " +
                $"it has no address in the Ceph public network {network}; " +
                $"nothing was changed on {leaving.Host.Name}'s monitor. Give it one (or set cephPublicNetwork), then " +
                    $"run again.");
        await CephMonitors.AddAsync(ceph, candidate.Host, candidate.Name, System.Net.IPAddress.Parse(address), ctx);
    }

    private static List<OsdState> Merge(List<OsdState>? prior,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> created)
    {
        var result = (prior ?? []).ToList();
        foreach (var o in OsdState.ListOf(created))
        {
            result.RemoveAll(x => x.Id == o.Id);
            result.Add(o);
        }
        return result.OrderBy(o => o.Id).ToList();
    }
}
