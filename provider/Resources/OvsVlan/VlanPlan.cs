using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Resources.OvsVlan;

/// <summary>
/// The commands that bring one host from what <see cref="VlanReader"/> saw to the target, sent
/// as one batch. Only what differs is changed, so a converged host gets no command at all and
/// re-running after a partial failure finishes the job.
/// </summary>
public static class VlanPlan
{
    /// <summary>Define, start and autostart the network with the target's port group, and label the bridge.</summary>
    public static IReadOnlyList<ToolCall<bool>> Ensure(VlanOnHost view, VlanTarget t, TimeSpan timeout,
        bool label = true)
    {
        if (view.Bridge is null)
            throw new ProviderException($"OVS bridge {t.Bridge} does not exist on {view.Host}: the cluster's bridge " +
                $"is missing. MvmCluster creates it on every member (its `ovsBridge`); check that {view.Host} " +
                $"finished joining the cluster and that `bridge` names the cluster's bridge.");
        var calls = new List<ToolCall<bool>>();
        var active = view.Info is { Active: true };
        if (!view.BaseMatches(t))
        {
            // A network of that name forwarding elsewhere: its live form can only change by a restart, which cuts its
            // VMs off.
            if (view.HasNetwork && active && view.UsedBy.Count > 0)
                throw new PreconditionFailedException($"libvirt network {t.Network} on {view.Host} forwards to " +
                    $"bridge '{view.Network!.Bridge}', not {t.Bridge}, and VMs use it " +
                    $"({string.Join(", ", view.UsedBy)}); changing it needs a restart of the network that would cut " +
                    $"them off. Move or stop those VMs, or undefine the network by hand.");
            calls.Add(VirshCalls.NetDefine(t.NetworkXml(view.Network?.Uuid)));
            if (active) calls.Add(VirshCalls.NetDestroy(t.Network));
            calls.Add(VirshCalls.NetStart(t.Network));
        }
        else
        {
            // A transient network (undefined by hand while active) is made persistent again by defining it.
            if (!VlanOnHost.HasOnly(view.Network, t) || view.Info is { Persistent: false })
                calls.Add(VirshCalls.NetDefine(t.NetworkXml(view.Network!.Uuid)));
            if (active && !VlanOnHost.HasOnly(view.Live, t))
            {
                // In place, so VMs on the network keep their ports: a port group is only a label for the tag.
                foreach (var pg in view.Live!.PortGroups.Where(p => p != t.PortGroupSpec))
                    calls.Add(VirshCalls.NetUpdatePortGroup(t.Network, "delete", pg, live: true, config: false));
                if (!view.Live.PortGroups.Contains(t.PortGroupSpec))
                    calls.Add(VirshCalls.NetUpdatePortGroup(t.Network, "add-last", t.PortGroupSpec, live: true,
                        config: false));
            }
            if (!active) calls.Add(VirshCalls.NetStart(t.Network));
        }
        if (view.Info is not { Autostart: true }) calls.Add(VirshCalls.NetAutostart(t.Network));
        if (label && !view.LabelMatches(t))
            calls.Add(OvsVsctl.SetBridgeExternalIds(t.Bridge,
                new Dictionary<string, string> { [t.ExternalIdKey] = t.PortGroup }, timeout));
        return calls;
    }

    /// <summary>
    /// Undo an OvsVlan on one host: remove the network, or when the VLAN is one of the cluster's
    /// compute VLANs (the cluster owns the network), give its port group back the cluster's name.
    /// The bridge label goes either way.
    /// </summary>
    public static IReadOnlyList<ToolCall<bool>> Remove(VlanOnHost view, int vlanId, string bridge,
        bool clusterOwnsNetwork, TimeSpan timeout)
    {
        var calls = new List<ToolCall<bool>>();
        var network = Cluster.ClusterNames.VlanNetwork(vlanId);
        if (clusterOwnsNetwork && view.Bridge is not null)
        {
            calls.AddRange(Ensure(view, new VlanTarget(vlanId, VlanTarget.ClusterPortGroup(vlanId), bridge), timeout,
                label: false));
        }
        else if (view.HasNetwork)
        {
            if (view.Info is { Active: true }) calls.Add(VirshCalls.NetDestroy(network));
            calls.Add(VirshCalls.NetUndefine(network));
        }
        if (view.Bridge?.ExternalIds.ContainsKey(VlanTarget.ExternalIdKeyOf(vlanId)) == true)
            calls.Add(OvsVsctl.RemoveBridgeExternalIds(bridge, [VlanTarget.ExternalIdKeyOf(vlanId)], timeout));
        return calls;
    }
}
