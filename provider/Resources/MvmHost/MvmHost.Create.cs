using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmHost;

// Create: a host joins an existing cluster from its connect string, checked before any change.
public sealed partial class MvmHost
{
    protected override async Task<(string Id, MvmHostState State)> CreateAsync(MvmHostArgs args, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(args.ConnectString, ctx.RemoteHosts());
        var spec = SpecOf(args);
        var members = await ctx.StepAsync("read cluster members", null, ct => conn.MembersAsync(ct), readOnly: true);
        if (members.FirstOrDefault(m =>
            string.Equals(m.Name, spec.Name, StringComparison.OrdinalIgnoreCase)) is { } taken &&
            taken.Host.Address != spec.Address)
            throw new PreconditionFailedException($"cluster {conn.Info.Name} already has a host named {spec.Name} " +
                $"(at {taken.Host.Address}); choose another name");

        var p = Provisioners.For(conn.Info.Settings, ctx);
        var node = (await p.InspectAsync([spec], conn.Info.IsHci ? conn.Info.Fsid : null))[0];
        var source = conn.Info.IsHci ? (await conn.CephAsync(ctx.CancellationToken))
            .Host : conn.Connect(members.First(m => m.Name != spec.Name).Host);
        var state = StateOf(args, conn.Info);
        state.State = HostStatus.Provisioning;
        try
        {
            await p.InstallAsync([node]);
            var osds = await p.JoinAsync(conn.Info, source, [node], conn.Info.ComputeVlanIds, "host",
                copyNetworks: true);
            state.Osds = OsdState.ListOf(osds);
            if (args.Maintenance == true)
            {
                // A host that joins in maintenance: usually empty, but one that already ran VMs is drained like any
                // other.
                await SetMaintenanceAsync(conn, node, true, ctx);
                var drain = await HostDrain.PlanAsync(conn, spec, node.Host, [], ctx);
                await HostDrain.RunAsync(conn, drain, spec, node.Host, ctx);
            }
            await p.WaitHealthyAsync(source);
            await ReadIntoAsync(state, conn, ctx);
            return (spec.Name!, state);
        }
        catch (Exception e)
        {
            throw Unfinished(spec.Name!, state, e);
        }
    }
}
