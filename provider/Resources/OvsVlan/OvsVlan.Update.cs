using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

// Update: every host brought to the new target (a renamed port group, a new bridge label).
public sealed partial class OvsVlan
{
    protected override async Task<OvsVlanState> UpdateAsync(string id, OvsVlanState olds, OvsVlanArgs news,
        DiffResult diff, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(news.ConnectString, ctx.RemoteHosts());
        var target = Target(news);
        var members = await MembersAsync(conn, ctx);
        var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);
        await EnsureAsync(conn, members, views, target, id, news, ctx, previousBridge: olds.Bridge);
        return await ReadBackAsync(conn, members, target, news, ctx);
    }
}
