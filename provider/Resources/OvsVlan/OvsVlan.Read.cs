using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

// Read: every host's view of the VLAN, and the state they show together.
public sealed partial class OvsVlan
{
    protected override async Task<OvsVlanState?> ReadAsync(string id, OvsVlanState? state, OperationContext ctx)
    {
        var vlanId = ParseId(id);
        // Import arrives with only the id: the cluster then comes from the provider configuration.
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString;
        if (state is null)
        {
            if (string.IsNullOrEmpty(connectString))
                throw new PreconditionFailedException($"importing OvsVlan \"{id}\" needs its cluster, and an import " +
                    $"id carries only the VLAN id: set the provider's importConnectString to the MvmCluster's " +
                    $"connectString (`pulumi config set --secret mvm:importConnectString \"$(pulumi stack output " +
                    $"connectString --show-secrets -s <cluster stack>)\"`), then import again.");
            if (!ConnectString.TryDecode(connectString, out _, out var error))
                throw new PreconditionFailedException($"mvm:importConnectString {error}");
        }
        var conn = ClusterConnection.Open(connectString, ctx.RemoteHosts());
        var bridge = state?.Bridge ?? conn.Info.OvsBridge;
        var members = await MembersAsync(conn, ctx);
        // An OvsVlan spans every host and reports per host, so a host that cannot be reached is
        // drift to show (unreachableHosts, outOfSyncHosts), not a reason to fail the whole refresh
        // and hide what the other hosts say. A VirtualMachine lives on one host: when that host
        // cannot be asked, its Read has nothing to report and fails instead (VmHosts.FindAsync).
        var outcomes = await HostFanOut.SettleAsync(members, m => m.Name,
            m => ReadHostAsync(conn, m, vlanId, bridge, ctx));
        HostFanOut.ThrowIfAnyFailed(outcomes.Where(o => o.Failed && !HostOutage.Is(o.Error!)).ToList());
        var views = outcomes.Where(o => !o.Failed).Select(o => o.Value!).ToList();
        var unreachable = outcomes.Where(o => o.Failed).ToList();
        // Gone only when every host was read and none has the network: an unreachable one may still have it.
        if (unreachable.Count > 0 && !views.Any(v => v.HasNetwork))
            throw new ProviderException($"libvirt network {ClusterNames.VlanNetwork(vlanId)} (VLAN {vlanId}) is on " +
                $"none of the hosts that answered " +
                $"({(views.Count == 0 ? "none did" : string.Join(", ", views.Select(v => v.Host)))}), and " +
                $"{string.Join(", ", unreachable.Select(o => o.Host))} could not be reached " +
                $"({string.Join("; ", unreachable.Select(o => $"{o.Host}: {HostOutage.Reason(o.Error!)}"))}). " +
                "It may still be there, so it is not reported gone: " +
                "bring the host back (or remove it from the cluster), then refresh again.");
        foreach (var o in unreachable)
            await ctx.WarningAsync($"{o.Host} could not be reached: what VLAN {vlanId} is there is unknown, so it is " +
                $"listed in unreachableHosts and outOfSyncHosts ({HostOutage.Reason(o.Error!)})");
        return ToState(views, vlanId, bridge, state?.Name, connectString, unreachable.Select(o => o.Host).ToList());
    }

    private static Task<IReadOnlyList<VlanOnHost>> ReadHostsAsync(ClusterConnection conn,
        IReadOnlyList<ClusterMember> members, int vlanId, string bridge, OperationContext ctx) =>
        HostFanOut.AllAsync(members, m => m.Name, m => ReadHostAsync(conn, m, vlanId, bridge, ctx));

    private static Task<VlanOnHost> ReadHostAsync(ClusterConnection conn, ClusterMember m, int vlanId, string bridge,
        OperationContext ctx) =>
        ctx.StepAsync($"read VLAN {vlanId}", m.Name, ct => VlanReader.ReadAsync(conn.Connect(m.Host), vlanId, bridge,
            HostTimeout, ct), readOnly: true);

    private static async Task<OvsVlanState> ReadBackAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members,
        VlanTarget target, OvsVlanArgs args, OperationContext ctx)
    {
        var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);
        return ToState(views, target.VlanId, target.Bridge, target.PortGroup, args.ConnectString)
            ?? throw new ProviderException($"libvirt network {target.Network} is on no host after it was set up: " +
                $"something removed it meanwhile");
    }

    private static async Task<OvsVlanState?> TryReadBackAsync(ClusterConnection conn,
        IReadOnlyList<ClusterMember> members, VlanTarget target, OvsVlanArgs args, OperationContext ctx)
    {
        try
        {
            var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);
            return ToState(views, target.VlanId, target.Bridge, target.PortGroup, args.ConnectString);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// The state the hosts show (<paramref name="unreachable"/>: members that could not be read); null
    /// when the network is on none of the hosts read. `name` is the port
    /// group the hosts have: when one differs from <paramref name="expectedName"/> (renamed by
    /// hand) that one is reported, so refresh shows the drift on `name`.
    /// </summary>
    internal static OvsVlanState? ToState(IReadOnlyList<VlanOnHost> views, int vlanId, string bridge,
        string? expectedName, string? connectString, IReadOnlyList<string>? unreachable = null)
    {
        var present = views.Where(v => v.HasNetwork).ToList();
        if (present.Count == 0) return null;
        var names = present.Select(v => v.PortGroup(vlanId)?.Name).ToList();
        var name = names.FirstOrDefault(n => n is not null && n != expectedName) ?? expectedName
            ?? names.FirstOrDefault(n => n is not null)
            ?? present[0].Network!.PortGroups.FirstOrDefault()?.Name;
        var target = new VlanTarget(vlanId, expectedName ?? name ?? "", bridge);
        return new OvsVlanState
        {
            ConnectString = connectString,
            Name = name,
            VlanId = vlanId,
            Bridge = present[0].Network!.Bridge ?? bridge,
            NetworkName = target.Network,
            Hosts = present.Select(v => v.Host).ToList(),
            UsedBy = views.SelectMany(v => v.UsedBy.Select(d => $"{d}@{v.Host}")).ToList(),
            OutOfSyncHosts = views.Where(v => !v.InSync(target)).Select(v => v.Host).Concat(unreachable ?? []).ToList(),
            // Left out while every host answers, so states written before this output existed do not show a change.
            UnreachableHosts = unreachable is { Count: > 0 } ? [.. unreachable] : null,
        };
    }
}
