using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmCluster;

// Read: the cluster as its hosts and Ceph report it.
public sealed partial class MvmCluster
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(30);

    protected override async Task<MvmClusterState?> ReadAsync(string id, MvmClusterState? state, OperationContext ctx)
    {
        if (state?.ConnectString is null)
            throw new PreconditionFailedException("an MvmCluster cannot be imported by id alone: it needs the hosts " +
                "to reach. " +
                "Declare it in the program and run `pulumi up`, which adopts a cluster whose hosts already carry it.");
        var conn = ClusterConnection.Open(state.ConnectString, ctx.RemoteHosts());
        await ctx.StepAsync("read cluster", null, async _ =>
        {
            try
            {
                await ReadIntoAsync(state, conn, ctx);
            }
            catch (ProviderException) when (conn.Info.IsHci)
            {
                // No host answers for the cluster: it is gone (or every host is down — the host states say which).
                state.Health = "UNREACHABLE";
                state.HostStates = (state.HostStates ?? []).Select(h => { h.State = HostStatus.Unreachable; return h; })
                    .ToList();
            }
            return true;
        }, readOnly: true);
        return state;
    }

    /// <summary>
    /// Reads what the cluster really is — health, monitors and quorum, OSDs and where they run,
    /// capacity, and whether each declared host answers — into the outputs, so refresh shows drift
    /// such as an OSD stopped by hand or a host gone.
    /// </summary>
    private static async Task ReadIntoAsync(MvmClusterState state, ClusterConnection conn, OperationContext ctx)
    {
        var ct = ctx.CancellationToken;
        var hosts = (state.Hosts ?? []).Where(h => h?.Name is not null).Select(h => h!).ToList();
        var reachable = await Task.WhenAll(hosts.Select(async h =>
        {
            try
            {
                return await HostFacts.Answers().RunAsync(conn.Connect(h.ToMember()), ReadLimit, ct)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return false;
            }
        })).ConfigureAwait(false);
        var up = hosts.Zip(reachable).Where(p => p.Second).Select(p => p.First).ToList();

        if (!conn.Info.IsHci)
        {
            state.HostStates = hosts.Zip(reachable).Select(p => new ClusterHostState
            {
                Name = p.First.Name,
                Address = p.First.Address,
                State = p.Second ? HostStatus.Ready : HostStatus.Unreachable,
                OsdIds = [],
                Maintenance = false,
            }).ToList();
            return;
        }

        var ceph = await conn.CephAsync(ct, up.Select(h => h.ToMember())).ConfigureAwait(false);
        var status = await ceph.StatusAsync(ct).ConfigureAwait(false);
        var mons = await ceph.MonDumpAsync(ct).ConfigureAwait(false);
        var tree = await ceph.OsdTreeAsync(ct).ConfigureAwait(false);
        var df = await ceph.OsdDfAsync(ct).ConfigureAwait(false);
        var members = await conn.MembersAsync(ct).ConfigureAwait(false);

        // CRUSH knows hosts by hostname; outputs speak of the display names users declared.
        var displayOf = members.Where(m => m.Hostname.Length > 0).GroupBy(m => m.Hostname)
            .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
        var devices = (state.Osds ?? []).Where(o => o.Id is not null).GroupBy(o => o.Id!.Value)
            .ToDictionary(g => g.Key, g => g.First().Device);

        state.Fsid = status.Fsid;
        state.Health = status.Health.Status;
        state.Monitors = mons.Mons.Select(m =>
            new CephMonitor { Name = m.Name, Host = m.Name, Address = m.Addresses.FirstOrDefault()?.Address,
            InQuorum = mons.Quorum.Contains(m.Rank) }).ToList();
        state.Osds = tree.Osds.Select(o => new OsdState
        {
            Id = o.Id,
            Host = o.Host is { } hn ? displayOf.GetValueOrDefault(hn, hn) : null,
            Device = devices.GetValueOrDefault(o.Id),
            Up = o.Up,
            In = o.In,
            CapacityBytes = df.Find(o.Id)?.SizeBytes,
        }).OrderBy(o => o.Id).ToList();
        state.CapacityBytes = status.Pgs.BytesTotal;
        state.UsedBytes = status.Pgs.BytesUsed;
        state.HostStates = hosts.Zip(reachable).Select(p =>
        {
            var osds = state.Osds.Where(o => string.Equals(o.Host, p.First.Name, StringComparison.OrdinalIgnoreCase))
                .ToList();
            var prior = state.HostStates?.FirstOrDefault(s => s.Name == p.First.Name);
            return new ClusterHostState
            {
                Name = p.First.Name,
                Address = p.First.Address,
                State = !p.Second ? HostStatus.Unreachable
                    : prior?.State is HostStatus.Decommissioning or HostStatus.Provisioning &&
                        osds.Any(o => o.Up != true || o.In != true) ? prior.State
                    : HostStatus.Ready,
                OsdIds = osds.Select(o => o.Id!.Value).ToList(),
                Maintenance = prior?.Maintenance ?? false,
                LearnedHostKey = prior?.LearnedHostKey,
            };
        }).ToList();
    }
}
