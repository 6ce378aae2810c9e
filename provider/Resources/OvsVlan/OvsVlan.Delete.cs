using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

// Delete: refused while VMs use the network; the cluster's own compute VLANs keep theirs.
public sealed partial class OvsVlan
{
    protected override async Task DeleteAsync(string id, OvsVlanState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx.RemoteHosts());
        var vlanId = state.VlanId ?? ParseId(id);
        var bridge = state.Bridge ?? conn.Info.OvsBridge;
        var members = await MembersAsync(conn, ctx);
        var views = await ReadHostsAsync(conn, members, vlanId, bridge, ctx);
        // The cluster declared this VLAN itself: its network stays, with the cluster's port group name back.
        var clusterOwns = conn.Info.ComputeVlanIds.Contains(vlanId);
        var users = views.SelectMany(v => v.UsedBy.Select(d => $"{d}@{v.Host}")).ToList();
        if (users.Count > 0 && !clusterOwns)
            throw new PreconditionFailedException($"OvsVlan {state.Name} (VLAN {vlanId}, libvirt network " +
                $"{ClusterNames.VlanNetwork(vlanId)}) is still used by {users.Count} VM(s): " +
                $"{string.Join(", ", users)}. Remove their interfaces on it (or the VMs), then delete again. Nothing " +
                $"was changed.");
        var byHost = members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var outcomes = await HostFanOut.SettleAsync(views, v => v.Host, v =>
            RunPlanAsync(conn, byHost[v.Host], $"remove VLAN {vlanId} ({state.Name})",
                VlanPlan.Remove(v, vlanId, bridge, clusterOwns, HostTimeout), ctx));
        HostFanOut.ThrowIfAnyFailed(outcomes);
    }
}
