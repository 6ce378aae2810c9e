using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmCluster;

/// <summary>MvmCluster's create, read, update and delete, built from the step classes beside it.</summary>
public static class ClusterLifecycle
{
    public static async Task<(string Id, MvmClusterState State)> CreateAsync(MvmClusterArgs args, OperationContext ctx)
    {
        var p = new ClusterProvisioner(args, ctx);
        var hosts = Declared(args);
        var nodes = await p.InspectAsync(hosts, existingFsid: null);
        var id = await p.NewUuidAsync(nodes[0]);
        var plan = p.Hci ? p.PlanCeph(nodes, id) : null;
        var info = InfoOf(args, id, await p.NewUuidAsync(nodes[0]));
        var state = StateOf(args, info);
        state.HostStates = hosts.Select(h => new ClusterHostState { Name = h.Name, Address = h.Address, State = HostStatus.Provisioning, OsdIds = [], Maintenance = false }).ToList();
        await ctx.InfoAsync($"cluster {info.Name} ({id}): {nodes.Count} hosts passed the checks; installing");
        try
        {
            await p.InstallAsync(nodes);
            if (plan is not null) await CephBootstrap.RunAsync(plan, nodes, ctx);
            var osds = await p.JoinAsync(info, nodes[0].Host, nodes, info.ComputeVlanIds, "cluster", copyNetworks: false);
            state.Osds = OsdsOf(osds);
            await p.WaitHealthyAsync(nodes[0].Host);
            await ClusterReader.ReadIntoAsync(state, new ClusterConnection(info, ctx.Hosts), ctx);
            return (id, state);
        }
        catch (Exception e)
        {
            throw Failures.InitFailed(id, state, e, "run `pulumi up` again to continue from where it stopped");
        }
    }

    public static async Task<MvmClusterState?> ReadAsync(string id, MvmClusterState? state, OperationContext ctx)
    {
        if (state?.ConnectString is null)
            throw new PreconditionFailedException("an MvmCluster cannot be imported by id alone: it needs the hosts to reach. Declare it in the program and run `pulumi up`, which adopts a cluster whose hosts already carry it.");
        var conn = ClusterConnection.Open(state.ConnectString, ctx);
        await ctx.StepAsync("read cluster", null, async _ =>
        {
            try
            {
                await ClusterReader.ReadIntoAsync(state, conn, ctx);
            }
            catch (ProviderException) when (conn.Info.IsHci)
            {
                // No host answers for the cluster: it is gone (or every host is down — the host states say which).
                state.Health = "UNREACHABLE";
                state.HostStates = (state.HostStates ?? []).Select(h => { h.State = HostStatus.Unreachable; return h; }).ToList();
            }
            return true;
        }, readOnly: true);
        return state;
    }

    public static async Task<MvmClusterState> UpdateAsync(string id, MvmClusterState olds, MvmClusterArgs news, OperationContext ctx)
    {
        var oldInfo = ConnectString.Decode(olds.ConnectString);
        var info = InfoOf(news, id, oldInfo.LibvirtSecretUuid);
        var state = StateOf(news, info);
        state.Osds = olds.Osds;
        state.HostStates = olds.HostStates;
        var p = new ClusterProvisioner(news, ctx);
        try
        {
            await ClusterUpdate.RunAsync(p, olds, oldInfo, news, info, state, ctx);
            await ClusterReader.ReadIntoAsync(state, new ClusterConnection(info, ctx.Hosts), ctx);
            return state;
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted)
        {
            // State must say what exists now (a host half-joined, an OSD half-removed) so the next up continues.
            throw Failures.InitFailed(id, state, e, "run `pulumi up` again to continue from where it stopped");
        }
    }

    public static Task DeleteAsync(string id, MvmClusterState state, OperationContext ctx) => ClusterTeardown.RunAsync(state, ctx);

    /// <summary>Hosts are one host when their names match, case aside (the diff follows hosts by name too).</summary>
    public static bool SameHost(ClusterHost a, ClusterHost b) => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);

    public static List<ClusterHost> Declared(MvmClusterArgs args) => (args.Hosts ?? []).Where(h => h is not null).Select(h => h!).ToList();

    public static ClusterInfo InfoOf(MvmClusterArgs a, string id, string secretUuid) => new()
    {
        Name = a.Name ?? "",
        Fsid = a.Layout == ClusterLayout.Standard ? "" : id,
        Layout = a.Layout == ClusterLayout.Standard ? "standard" : "hci",
        VmPool = a.VmPool ?? MvmClusterArgs.DefaultVmPool,
        OvsBridge = a.OvsBridge ?? MvmClusterArgs.DefaultBridge,
        DomainType = a.DomainType == DomainType.Qemu ? "qemu" : "kvm",
        OvsDatapath = a.OvsDatapath == OvsDatapath.Netdev ? "netdev" : "system",
        CpuModel = a.CpuModel ?? "host-model",
        LibvirtSecretUuid = secretUuid,
        Hosts = Declared(a),
        ComputeVlanIds = VlanIds(a.ComputeVlans),
        MinimumMemoryGiB = a.MinimumMemoryGiB ?? 4,
        MemoryPerOsdGiB = a.MemoryPerOsdGiB ?? 4,
    };

    public static List<int> VlanIds(IReadOnlyList<string?>? items) =>
        (items ?? []).Where(i => i is not null && VlanRanges.TryParse(i, out _, out _))
            .SelectMany(i => { VlanRanges.TryParse(i!, out var r, out _); return r.Ids; }).Distinct().Order().ToList();

    public static MvmClusterState StateOf(MvmClusterArgs args, ClusterInfo info)
    {
        var state = States.FromInputs<MvmClusterArgs, MvmClusterState>(args);
        state.Fsid = info.IsHci ? info.Fsid : null;
        state.ConnectString = ConnectString.Encode(info);
        return state;
    }

    public static List<OsdState> OsdsOf(IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> byHost) =>
        byHost.SelectMany(h => h.Value.Select(d => new OsdState { Id = d.Value, Host = h.Key, Device = d.Key })).OrderBy(o => o.Id).ToList();
}
