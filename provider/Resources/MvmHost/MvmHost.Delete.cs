using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmHost;

// Delete: the host is decommissioned OSD-safely, its VMs moved first.
public sealed partial class MvmHost
{
    protected override async Task DeleteAsync(string id, MvmHostState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx.RemoteHosts());
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
        var work = await ClusterRemoval.PlanHostAsync(ceph, conn, spec, hostname, host, ctx,
            (state.Osds ?? []).Where(o => o.Id is not null).GroupBy(o => o.Id!.Value)
                .ToDictionary(g => g.Key, g => g.First().Device));
        await ClusterRemoval.RunAsync(work, ceph, conn, ctx, _ => { }, _ => { });
        if (work.Hosts.Any(h => h.MonName is not null))
        {
            // An MvmHost has no declared peers to hand its monitor to: the members' mon_host follows the smaller map.
            var left = members.Where(m => !string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase)).ToList();
            await CephMonitors.SyncMonHostAsync(ceph, left.Select(m => (m.Name, conn.Connect(m.Host))), ctx,
                conn.Info.VmPool);
            await ctx.WarningAsync($"{spec.Name} carried a Ceph monitor; the cluster now runs one fewer. Add a host " +
                $"to the MvmCluster's hosts list to get back to {ClusterProvisioner.MaxMonitors}.");
        }
    }
}
