using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmCluster;

// Update, the removal side: which OSDs and hosts leave, read from the state and the cluster.
public sealed partial class MvmCluster
{
    /// <summary>
    /// What an update removes — data devices dropped from kept hosts, hosts dropped from the list,
    /// with the VMs those hosts must give up — checked as a whole before the first change; null
    /// when nothing leaves.
    /// </summary>
    private static async Task<RemovalWork?> PlanRemovalAsync(ClusterProvisioner p, MvmClusterState olds,
        IReadOnlyList<MemberHost> oldHosts,
        IReadOnlyList<MemberHost> removedHosts, IReadOnlyList<MemberHost> newHosts, ClusterNode source,
            OperationContext ctx)
    {
        var ceph = new Ceph(source.Host, ClusterConnection.CephContext);
        var osds = new List<OsdToRemove>();
        foreach (var nh in newHosts)
        {
            var old = oldHosts.FirstOrDefault(o => SameHost(o, nh));
            if (old is null) continue;
            foreach (var dev in (old.DataDevices ?? [])
                .Where(d => d is not null && !(nh.DataDevices ?? []).Contains(d)))
            {
                var id = (olds.Osds ?? []).FirstOrDefault(o => o.Host == nh.Name && o.Device == dev)?.Id
                    ?? await ClusterRemoval.FindOsdAsync(p.Connect(nh), nh.Name!, dev!, ctx);
                if (id is { } osd) osds.Add(new OsdToRemove(nh, osd, dev));
            }
        }
        var hosts = new List<HostToRemove>();
        var drains = new List<DrainPlan>();
        if (removedHosts.Count > 0)
        {
            var conn = new ClusterConnection(ConnectString.Decode(olds.ConnectString), ctx.RemoteHosts());
            var members = await conn.MembersAsync(ctx.CancellationToken);
            var leaving = removedHosts.Select(r => r.Name!).ToList();
            var tree = await ctx.StepAsync("read OSD tree", source.Name, ct => ceph.OsdTreeAsync(ct), readOnly: true);
            var mons = await ctx.StepAsync("read monitors", source.Name, ct => ceph.MonDumpAsync(ct), readOnly: true);
            foreach (var h in removedHosts)
            {
                var hostname = members.FirstOrDefault(m =>
                    string.Equals(m.Name, h.Name, StringComparison.OrdinalIgnoreCase))?.Hostname is { Length: > 0 } hn ?
                    hn : h.Name!;
                foreach (var o in tree.Osds.Where(o => o.Host == hostname))
                    osds.Add(new OsdToRemove(h, o.Id, (olds.Osds ?? []).FirstOrDefault(x => x.Id == o.Id)?.Device));
                hosts.Add(new HostToRemove(h, hostname, mons.Find(h.Name!) is not null ? h.Name : null));
                drains.Add(await HostDrain.PlanAsync(conn, h, p.Connect(h), leaving, ctx));
            }
            foreach (var d in drains) HostDrain.RefuseUnlessPossible(d, "leave the cluster");
        }
        if (osds.Count == 0 && hosts.Count == 0) return null;
        var work = new RemovalWork(osds, hosts, drains);
        await ClusterRemoval.CheckAsync(ceph, work, source.Name, ctx);
        return work;
    }
}
