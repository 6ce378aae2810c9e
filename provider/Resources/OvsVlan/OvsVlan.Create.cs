using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

// Create: refuses a VLAN another OvsVlan holds, then brings every host to the target.
public sealed partial class OvsVlan
{
    protected override async Task<(string Id, OvsVlanState State)> CreateAsync(OvsVlanArgs args, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(args.ConnectString, ctx.RemoteHosts());
        var target = Target(args);
        var id = target.VlanId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var members = await MembersAsync(conn, ctx);
        var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);

        // The bridge label says which OvsVlan holds the VLAN; a network without one (the cluster's
        // compute VLAN, or one made by hand) is adopted.
        var taken = views.Where(v => v.Bridge?.ExternalIds.GetValueOrDefault(target.ExternalIdKey) is { } owner
            && owner != target.PortGroup).ToList();
        if (taken.Count > 0)
            throw new PreconditionFailedException($"VLAN {target.VlanId} is already the port group " +
                $"\"{taken[0].Bridge!.ExternalIds[target.ExternalIdKey]}\" of another OvsVlan (bridge " +
                $"{target.Bridge} external_ids:{target.ExternalIdKey} on " +
                $"{string.Join(", ", taken.Select(v => v.Host))}): import that one (`pulumi import mvm:index:OvsVlan " +
                $"<name> {id}`) or choose another VLAN id. Nothing was changed.");
        await EnsureAsync(conn, members, views, target, id, args, ctx);
        return (id, await ReadBackAsync(conn, members, target, args, ctx));
    }
}
