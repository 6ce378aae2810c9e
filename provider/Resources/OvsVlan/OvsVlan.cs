using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.OvsVlan;

public class OvsVlanArgs
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Name of the port group, also the libvirt network VMs attach to (VirtualMachine `networkInterfaces[].vlan`): letters, digits, '.', '_' or '-'. Defaults to the resource name. Renamed in place.")]
    public string? Name { get; set; }

    [Input("802.1Q VLAN id, 1-4094, tagged on the port group's ports. Changing it replaces the port group.", Required = true, ReplaceOnChanges = true)]
    public int? VlanId { get; set; }

    [Input("Open vSwitch bridge the port group lives on; it must be the cluster's `ovsBridge`.", Default = MvmClusterArgs.DefaultBridge)]
    public string? Bridge { get; set; }
}

public sealed class OvsVlanState : OvsVlanArgs
{
    [Output("Display names of the hosts where the port group and its libvirt network exist.")]
    public List<string>? Hosts { get; set; }

    [Output("Name of the libvirt network defined for the port group on every host.", Always = true)]
    public string? NetworkName { get; set; }

    [Output("The VMs with an interface on this port group's libvirt network, as `vm@host`.")]
    public List<string>? UsedBy { get; set; }

    [Output("Member hosts where the port group is missing or differs from this resource (changed by hand, or a host that joined later), or that could not be read (see `unreachableHosts`); the next update brings them in line.")]
    public List<string>? OutOfSyncHosts { get; set; }

    [Output("Member hosts that could not be reached at the last read (down, or sshd not answering): what the port group is there is unknown. Also listed in `outOfSyncHosts`, so the next update checks them.")]
    public List<string>? UnreachableHosts { get; set; }
}

[ResourceType("OvsVlan", """
A VLAN port group on every host's Open vSwitch bridge, offered to VMs as a libvirt network. Hosts
that join the cluster later get it too. Renaming is done in place; deletion refuses while a VM
still uses it and names those VMs.
""")]
public sealed class OvsVlan : Resource<OvsVlanArgs, OvsVlanState>
{
    // One batch of reads or changes on one host; the operation's own timeout bounds the whole.
    private static readonly TimeSpan HostTimeout = TimeSpan.FromMinutes(2);

    // A replacement reuses the name, which is unique per bridge and libvirt host.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    protected override void Validate(OvsVlanArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckSimpleName(ctx, "name", args.Name, 63, args.Name == ctx.ResourceName ? " (it defaults to the resource name; set `name` explicitly)" : "");
        VlanRanges.CheckId(ctx, "vlanId", args.VlanId);
        Names.CheckInterfaceName(ctx, "bridge", args.Bridge);
    }

    // Refresh records where the port group is missing or changed by hand in an output; inputs
    // alone would not show it, and the next `up` would leave those hosts as they are.
    protected override void DiffOutputs(OvsVlanState olds, OvsVlanArgs news, DiffResult diff)
    {
        if (olds.OutOfSyncHosts is { Count: > 0 } && !diff.Replaces) diff.Set("hosts", DiffKind.Update);
    }

    /// <summary>The resource id: the VLAN id, which names the network on every host (`mvm-vlan22`); import accepts either.</summary>
    public static int ParseId(string id)
    {
        var text = id.StartsWith("mvm-vlan", StringComparison.Ordinal) ? id["mvm-vlan".Length..] : id;
        return text.All(char.IsAsciiDigit) && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 4094
            ? v
            : throw new PreconditionFailedException($"\"{id}\" is not an OvsVlan id: use the VLAN id (1-4094, e.g. `22`) or its network name (`mvm-vlan22`)");
    }

    protected override async Task<(string Id, OvsVlanState State)> CreateAsync(OvsVlanArgs args, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(args.ConnectString, ctx);
        var target = Target(args);
        var id = target.VlanId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var members = await MembersAsync(conn, ctx);
        var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);

        // The bridge label says which OvsVlan holds the VLAN; a network without one (the cluster's
        // compute VLAN, or one made by hand) is adopted.
        var taken = views.Where(v => v.Bridge?.ExternalIds.GetValueOrDefault(target.ExternalIdKey) is { } owner && owner != target.PortGroup).ToList();
        if (taken.Count > 0)
            throw new PreconditionFailedException($"VLAN {target.VlanId} is already the port group \"{taken[0].Bridge!.ExternalIds[target.ExternalIdKey]}\" of another OvsVlan (bridge {target.Bridge} external_ids:{target.ExternalIdKey} on {string.Join(", ", taken.Select(v => v.Host))}): import that one (`pulumi import mvm:index:OvsVlan <name> {id}`) or choose another VLAN id. Nothing was changed.");
        await EnsureAsync(conn, members, views, target, id, args, ctx);
        return (id, await ReadBackAsync(conn, members, target, args, ctx));
    }

    protected override async Task<OvsVlanState?> ReadAsync(string id, OvsVlanState? state, OperationContext ctx)
    {
        var vlanId = ParseId(id);
        // Import arrives with only the id: the cluster then comes from the provider configuration.
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString;
        if (state is null)
        {
            if (string.IsNullOrEmpty(connectString))
                throw new PreconditionFailedException($"importing OvsVlan \"{id}\" needs its cluster, and an import id carries only the VLAN id: set the provider's importConnectString to the MvmCluster's connectString (`pulumi config set --secret mvm:importConnectString \"$(pulumi stack output connectString --show-secrets -s <cluster stack>)\"`), then import again.");
            if (!ConnectString.TryDecode(connectString, out _, out var error))
                throw new PreconditionFailedException($"mvm:importConnectString {error}");
        }
        var conn = ClusterConnection.Open(connectString, ctx);
        var bridge = state?.Bridge ?? conn.Info.OvsBridge;
        var members = await MembersAsync(conn, ctx);
        // An OvsVlan spans every host and reports per host, so a host that cannot be reached is
        // drift to show (unreachableHosts, outOfSyncHosts), not a reason to fail the whole refresh
        // and hide what the other hosts say. A VirtualMachine lives on one host: when that host
        // cannot be asked, its Read has nothing to report and fails instead (VmHosts.FindAsync).
        var outcomes = await HostFanOut.SettleAsync(members, m => m.Name, m => ReadHostAsync(conn, m, vlanId, bridge, ctx));
        HostFanOut.ThrowIfAnyFailed(outcomes.Where(o => o.Failed && !HostOutage.Is(o.Error!)).ToList());
        var views = outcomes.Where(o => !o.Failed).Select(o => o.Value!).ToList();
        var unreachable = outcomes.Where(o => o.Failed).ToList();
        // Gone only when every host was read and none has the network: an unreachable one may still have it.
        if (unreachable.Count > 0 && !views.Any(v => v.HasNetwork))
            throw new ProviderException($"libvirt network {ClusterNames.VlanNetwork(vlanId)} (VLAN {vlanId}) is on none of the hosts that answered " +
                $"({(views.Count == 0 ? "none did" : string.Join(", ", views.Select(v => v.Host)))}), and {string.Join(", ", unreachable.Select(o => o.Host))} could not be reached " +
                $"({string.Join("; ", unreachable.Select(o => $"{o.Host}: {HostOutage.Reason(o.Error!)}"))}). It may still be there, so it is not reported gone: " +
                "bring the host back (or remove it from the cluster), then refresh again.");
        foreach (var o in unreachable)
            await ctx.WarningAsync($"{o.Host} could not be reached: what VLAN {vlanId} is there is unknown, so it is listed in unreachableHosts and outOfSyncHosts ({HostOutage.Reason(o.Error!)})");
        return ToState(views, vlanId, bridge, state?.Name, connectString, unreachable.Select(o => o.Host).ToList());
    }

    protected override async Task<OvsVlanState> UpdateAsync(string id, OvsVlanState olds, OvsVlanArgs news, DiffResult diff, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(news.ConnectString, ctx);
        var target = Target(news);
        var members = await MembersAsync(conn, ctx);
        var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);
        await EnsureAsync(conn, members, views, target, id, news, ctx, previousBridge: olds.Bridge);
        return await ReadBackAsync(conn, members, target, news, ctx);
    }

    protected override async Task DeleteAsync(string id, OvsVlanState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx);
        var vlanId = state.VlanId ?? ParseId(id);
        var bridge = state.Bridge ?? conn.Info.OvsBridge;
        var members = await MembersAsync(conn, ctx);
        var views = await ReadHostsAsync(conn, members, vlanId, bridge, ctx);
        // The cluster declared this VLAN itself: its network stays, with the cluster's port group name back.
        var clusterOwns = conn.Info.ComputeVlanIds.Contains(vlanId);
        var users = views.SelectMany(v => v.UsedBy.Select(d => $"{d}@{v.Host}")).ToList();
        if (users.Count > 0 && !clusterOwns)
            throw new PreconditionFailedException($"OvsVlan {state.Name} (VLAN {vlanId}, libvirt network {ClusterNames.VlanNetwork(vlanId)}) is still used by {users.Count} VM(s): {string.Join(", ", users)}. Remove their interfaces on it (or the VMs), then delete again. Nothing was changed.");
        var byHost = members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var outcomes = await HostFanOut.SettleAsync(views, v => v.Host, v =>
            RunPlanAsync(conn, byHost[v.Host], $"remove VLAN {vlanId} ({state.Name})", VlanPlan.Remove(v, vlanId, bridge, clusterOwns, HostTimeout), ctx));
        HostFanOut.ThrowIfAnyFailed(outcomes);
    }

    // ---- steps ----

    private static VlanTarget Target(OvsVlanArgs args) =>
        new(args.VlanId ?? throw new ArgumentException("vlanId is required"), args.Name ?? throw new ArgumentException("name is required"), args.Bridge ?? MvmClusterArgs.DefaultBridge);

    private static Task<IReadOnlyList<ClusterMember>> MembersAsync(ClusterConnection conn, OperationContext ctx) =>
        ctx.StepAsync($"list the hosts of cluster {conn.Info.Name}", null, ct => conn.MembersAsync(ct), readOnly: true);

    private static Task<IReadOnlyList<VlanOnHost>> ReadHostsAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members, int vlanId, string bridge, OperationContext ctx) =>
        HostFanOut.AllAsync(members, m => m.Name, m => ReadHostAsync(conn, m, vlanId, bridge, ctx));

    private static Task<VlanOnHost> ReadHostAsync(ClusterConnection conn, ClusterMember m, int vlanId, string bridge, OperationContext ctx) =>
        ctx.StepAsync($"read VLAN {vlanId}", m.Name, ct => VlanReader.ReadAsync(conn.Connect(m.Host), vlanId, bridge, HostTimeout, ct), readOnly: true);

    private static async Task<bool> RunPlanAsync(ClusterConnection conn, ClusterMember member, string step, IReadOnlyList<ToolCall<bool>> plan, OperationContext ctx)
    {
        // A host already as it should be costs nothing more than its read.
        if (plan.Count == 0) return false;
        await ctx.StepAsync(step, member.Name, async ct =>
        {
            var batch = new ToolBatch();
            foreach (var call in plan) batch.Add(call);
            await batch.RunCheckedAsync(conn.Connect(member.Host), HostTimeout, ct);
        });
        return true;
    }

    /// <summary>
    /// Brings every host to the target at once. A host without the cluster's bridge fails the
    /// whole operation before anything changes; a host failing later leaves the others done, and
    /// the resource lands in state with them so the next `up` finishes the rest.
    /// </summary>
    private static async Task EnsureAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members, IReadOnlyList<VlanOnHost> views,
        VlanTarget target, string id, OvsVlanArgs args, OperationContext ctx, string? previousBridge = null)
    {
        var plans = new Dictionary<string, IReadOnlyList<ToolCall<bool>>>(StringComparer.Ordinal);
        var refused = new List<string>();
        foreach (var v in views)
        {
            try
            {
                var plan = VlanPlan.Ensure(v, target, HostTimeout).ToList();
                if (previousBridge is not null && previousBridge != target.Bridge)
                    plan.Add(OvsVsctlCalls.RemoveBridgeExternalIds(previousBridge, [target.ExternalIdKey], HostTimeout));
                plans[v.Host] = plan;
            }
            catch (ProviderException e)
            {
                refused.Add(e.Message);
            }
        }
        if (refused.Count > 0) throw new PreconditionFailedException(string.Join(" ", refused) + " Nothing was changed.");

        var byHost = members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var outcomes = await HostFanOut.SettleAsync(views, v => v.Host, v =>
            RunPlanAsync(conn, byHost[v.Host], $"set up VLAN {target.VlanId} ({target.PortGroup})", plans[v.Host], ctx));
        var failed = outcomes.Where(o => o.Failed).ToList();
        if (failed.Count == 0) return;
        var state = await TryReadBackAsync(conn, members, target, args, ctx);
        if (state is null) HostFanOut.ThrowIfAnyFailed(outcomes);
        throw new ResourceInitFailedException(id, state!, [HostFanOut.Describe(failed), "run `pulumi up` again to finish the other hosts once the cause is fixed"]);
    }

    private static async Task<OvsVlanState> ReadBackAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members, VlanTarget target, OvsVlanArgs args, OperationContext ctx)
    {
        var views = await ReadHostsAsync(conn, members, target.VlanId, target.Bridge, ctx);
        return ToState(views, target.VlanId, target.Bridge, target.PortGroup, args.ConnectString)
            ?? throw new ProviderException($"libvirt network {target.Network} is on no host after it was set up: something removed it meanwhile");
    }

    private static async Task<OvsVlanState?> TryReadBackAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members, VlanTarget target, OvsVlanArgs args, OperationContext ctx)
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
    internal static OvsVlanState? ToState(IReadOnlyList<VlanOnHost> views, int vlanId, string bridge, string? expectedName, string? connectString,
        IReadOnlyList<string>? unreachable = null)
    {
        var present = views.Where(v => v.HasNetwork).ToList();
        if (present.Count == 0) return null;
        var names = present.Select(v => v.PortGroup(vlanId)?.Name).ToList();
        var name = names.FirstOrDefault(n => n is not null && n != expectedName) ?? expectedName ?? names.FirstOrDefault(n => n is not null)
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
