using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmHost;

// Update: data devices follow the list; maintenance drains the host or returns it to service.
public sealed partial class MvmHost
{
    protected override async Task<MvmHostState> UpdateAsync(string id, MvmHostState olds, MvmHostArgs news,
        DiffResult diff,
        OperationContext ctx)
    {
        var conn = ClusterConnection.Open(news.ConnectString, ctx.RemoteHosts());
        var spec = SpecOf(news);
        var state = StateOf(news, conn.Info);
        state.Osds = olds.Osds;
        var p = Provisioners.For(conn.Info.Settings, ctx);
        try
        {
            var node = (await p.InspectAsync([spec], conn.Info.IsHci ? conn.Info.Fsid : null))[0];
            var ceph = conn.Info.IsHci ? await conn.CephAsync(ctx.CancellationToken) : null;
            var source = ceph?.Host ?? node.Host;
            var removed = (olds.DataDevices ?? []).Where(d => d is not null && !(news.DataDevices ?? []).Contains(d))
                .Select(d => d!).ToList();
            RemovalWork? removal = null;
            if (ceph is not null && removed.Count > 0)
            {
                var osds = new List<OsdToRemove>();
                foreach (var dev in removed)
                {
                    var osd = (olds.Osds ?? []).FirstOrDefault(o => o.Device == dev)?.Id
                        ?? (await new CephVolume(node.Host, ClusterConnection.CephContext)
                            .RawListAsync(dev, ctx.CancellationToken)).FirstOrDefault()?.OsdId;
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
            var added = await p.JoinAsync(conn.Info, source, [node], conn.Info.ComputeVlanIds, "host",
                copyNetworks: true);
            state.Osds = (state.Osds ?? []).Where(o => !added.Values.SelectMany(v => v.Values).Contains(o.Id ?? -1))
                .Concat(OsdState.ListOf(added)).OrderBy(o => o.Id).ToList();
            if (removal is not null && ceph is not null)
                await ClusterRemoval.RunAsync(removal, ceph, conn, ctx, osd => state.Osds?.RemoveAll(o => o.Id == osd),
                    _ => { });
            // Recorded before the drain: no new VM is placed here while the others leave.
            await SetMaintenanceAsync(conn, node, news.Maintenance == true, ctx);
            if (drain is not null) await HostDrain.RunAsync(conn, drain, spec, node.Host, ctx);
            await p.WaitHealthyAsync(source);
            await ReadIntoAsync(state, conn, ctx);
            return state;
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted)
        {
            throw Unfinished(id, state, e);
        }
    }
}
