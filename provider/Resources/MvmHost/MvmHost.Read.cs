using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmHost;

// Read: the host as it and the cluster report it; gone only when the registry (hci) says so.
public sealed partial class MvmHost
{
    protected override async Task<MvmHostState?> ReadAsync(string id, MvmHostState? state, OperationContext ctx)
    {
        if (state?.ConnectString is null)
            throw new PreconditionFailedException("an MvmHost cannot be imported by id alone: it needs its SSH " +
                "settings. Declare it in the program and run `pulumi up`, which adopts a host that already joined.");
        var conn = ClusterConnection.Open(state.ConnectString, ctx.RemoteHosts());
        // The member registry (hci) says positively whether the host is still in the cluster. A
        // standard cluster keeps none (its members are only the connect string's hosts), so its
        // absence there says nothing: the host is read as it is, never reported gone.
        if (conn.Info.IsHci)
        {
            var members = await ctx.StepAsync("read cluster members", null, ct => conn.MembersAsync(ct),
                readOnly: true);
            if (!members.Any(m => string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase))) return null;
        }
        await ReadIntoAsync(state, conn, ctx);
        return state;
    }


    /// <summary>The host's VMs, OSDs (hci) and state, read from the host and the cluster.</summary>
    private static async Task ReadIntoAsync(MvmHostState state, ClusterConnection conn, OperationContext ctx)
    {
        var spec = SpecOf(state);
        var host = conn.Connect(spec);
        bool reachable;
        try
        {
            state.Vms = (await new Virsh(host).ListAsync(ctx.CancellationToken)).Select(d => d.Name).ToList();
            reachable = true;
        }
        catch (Exception e) when (e is ToolMissingException || HostErrors.Unreachable(e) || HostErrors.CommandFailed(e))
        {
            reachable = false;
        }
        if (conn.Info.IsHci)
        {
            var ceph = await conn.CephAsync(ctx.CancellationToken);
            var members = await conn.MembersAsync(ctx.CancellationToken);
            var hostname = members.FirstOrDefault(m => m.Name == spec.Name)?.Hostname is { Length: > 0 } hn ? hn :
                spec.Name;
            var tree = await ceph.OsdTreeAsync(ctx.CancellationToken);
            var devices = (state.Osds ?? []).Where(o => o.Id is not null).ToDictionary(o => o.Id!.Value, o => o.Device);
            state.Osds = tree.Osds.Where(o => o.Host == hostname).Select(o => new OsdState
            {
                Id = o.Id,
                Host = spec.Name,
                Device = devices.GetValueOrDefault(o.Id),
                Up = o.Up,
                In = o.In,
            }).OrderBy(o => o.Id).ToList();
            state.OsdIds = state.Osds.Select(o => o.Id!.Value).ToList();
        }
        state.State = !reachable ? HostStatus.Unreachable
            : state.Maintenance == true ? HostStatus.Maintenance
            : (state.Osds ?? []).All(o => o.Up == true && o.In == true) ? HostStatus.Ready : HostStatus.Provisioning;
    }
}
