using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>One OSD to remove: where it runs and which declared device backs it.</summary>
public sealed record OsdToRemove(MemberHost Host, int OsdId, string? Device);

/// <summary>One host to decommission after its OSDs are gone.</summary>
public sealed record HostToRemove(MemberHost Host, string Hostname, string? MonName);

/// <summary>
/// What an update removes, checked as a whole before the first change; <paramref name="Drains"/> empty the leaving
/// hosts of VMs first.
/// </summary>
public sealed record RemovalWork(IReadOnlyList<OsdToRemove> Osds, IReadOnlyList<HostToRemove> Hosts,
    IReadOnlyList<DrainPlan>? Drains = null);

/// <summary>
/// Data devices and hosts leaving the cluster, OSD-safely (an MvmCluster update, an MvmHost's
/// devices or its delete): refused up front when the cluster
/// could not stay healthy without them, then one OSD at a time (ok-to-stop, out, drain, purge),
/// then each host's monitor, CRUSH bucket and libvirt/OVS setup. Each step reads the cluster
/// first, so an interrupted removal continues on the next `up`.
/// </summary>
public static class ClusterRemoval
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The work of decommissioning one host (MvmHost delete): its OSDs, monitor and CRUSH bucket, checked before any
    /// change.
    /// </summary>
    /// <remarks><paramref name="knownDevices"/>: the data device of each OSD id, where the caller knows it (for
    /// messages).</remarks>
    public static async Task<RemovalWork> PlanHostAsync(Ceph ceph, ClusterConnection conn, MemberHost host,
        string hostname, RemoteHost connection,
        IOperationSteps ctx, IReadOnlyDictionary<int, string?>? knownDevices = null)
    {
        var tree = await ctx.StepAsync("read OSD tree", ceph.Host.Name, ct => ceph.OsdTreeAsync(ct), readOnly: true);
        var mons = await ctx.StepAsync("read monitors", ceph.Host.Name, ct => ceph.MonDumpAsync(ct), readOnly: true);
        var osds = tree.Osds.Where(o => o.Host == hostname)
            .Select(o => new OsdToRemove(host, o.Id, knownDevices?.GetValueOrDefault(o.Id))).ToList();
        var drain = await HostDrain.PlanAsync(conn, host, connection, [], ctx);
        HostDrain.RefuseUnlessPossible(drain, "leave the cluster");
        var work = new RemovalWork(osds,
            [new HostToRemove(host, hostname, mons.Find(host.Name!) is not null ? host.Name : null)], [drain]);
        await CheckAsync(ceph, work, ceph.Host.Name, ctx);
        return work;
    }

    /// <summary>Refuses, before any change, a removal the cluster could not stay healthy without.</summary>
    public static async Task CheckAsync(Ceph ceph, RemovalWork work, string where, IOperationSteps ctx)
    {
        // All OSDs together for pool sizes and capacity; each host on its own for its bucket and monitor.
        var ids = work.Osds.Select(o => o.OsdId).ToList();
        var requests = new List<RemovalRequest> { new(ids, null, null) };
        requests.AddRange(work.Hosts.Select(h =>
            new RemovalRequest(work.Osds.Where(o => o.Host == h.Host).Select(o => o.OsdId).ToList(), h.Hostname,
            h.MonName)));
        foreach (var request in requests)
        {
            var reasons = await ctx.StepAsync("check removal is safe", where,
                ct => RemovalPreflight.CheckAsync(ceph, request, ct), readOnly: true);
            if (reasons.Count > 0)
                throw new PreconditionFailedException("removing " + Describe(work.Osds, work.Hosts) +
                    " is refused; nothing was changed:\n  " + string.Join("\n  ", reasons));
        }
        await ctx.InfoAsync("removal plan: " + Describe(work.Osds, work.Hosts));
    }

    /// <summary>
    /// Carries out checked removal work; the callbacks keep the caller's state in step, so a failure leaves it true.
    /// </summary>
    public static async Task RunAsync(RemovalWork work, Ceph ceph, ClusterConnection conn, IOperationSteps ctx,
        Action<int> osdRemoved, Action<string> hostRemoved, Func<HostToRemove, Task>? beforeMonitorRemoval = null,
            PhaseClock? phases = null)
    {
        foreach (var drain in work.Drains ?? [])
        {
            var spec = work.Hosts.First(h => h.Host.Name == drain.Source).Host;
            await HostDrain.RunAsync(conn, drain, spec, conn.Connect(spec), ctx);
        }
        foreach (var o in work.Osds)
        {
            var host = conn.Connect(o.Host);
            var progress = new Progress<string>(m => _ = ctx.StatusAsync($"osd.{o.OsdId} ({o.Host.Name}): {m}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var steps = await ctx.StepAsync($"remove osd.{o.OsdId}", o.Host.Name,
                ct => new OsdRemoval().RemoveAsync(ceph, host, o.OsdId, null, progress, DrainLimit, ct));
            osdRemoved(o.OsdId);
            await ctx.InfoAsync($"osd.{o.OsdId} on {o.Host.Name} ({o.Device ?? "device unknown"}) removed in " +
                $"{clock.Elapsed.TotalSeconds:0.0} s " +
                $"({string.Join("; ", steps.Select(s => s.Skipped
                    ? s.Name + " (skipped)"
                    : s.Detail is { Length: > 0 } d ? $"{s.Name}: {d}" : s.Name))}); " +
                "the data it held is on the other OSDs");
        }
        phases?.Lap("OSD removals");
        foreach (var h in work.Hosts)
        {
            var host = conn.Connect(h.Host);
            var progress = new Progress<string>(m => _ = ctx.StatusAsync($"{h.Host.Name}: {m}"));
            if (h.MonName is not null && beforeMonitorRemoval is not null)
            {
                await beforeMonitorRemoval(h);
                phases?.Lap("replacement monitor");
            }
            await ctx.StepAsync("remove monitor and CRUSH host", h.Host.Name,
                ct => new OsdRemoval().RemoveHostAsync(ceph, host, h.Hostname, h.MonName, progress, ct));
            phases?.Lap("monitor and CRUSH host removal");
            await ClusterTeardown.LeaveAsync(host, h.Host.Name!, conn.Info, ctx);
            await MigrationTrust.ForgetAsync(conn.Info, h.Host.Name!, await RemainingAsync(ceph, conn, work, ctx), ctx);
            await ctx.StepAsync("remove Ceph", h.Host.Name, ct => ClusterTeardown.RemoveCephAsync(host, [], ct));
            await ctx.StepAsync("unregister host", ceph.Host.Name,
                ct => ceph.ConfigKeyRemoveAsync(ClusterMembers.Key(h.Host.Name!), ct));
            hostRemoved(h.Host.Name!);
            phases?.Lap("host teardown");
            await ctx.InfoAsync($"host {h.Host.Name} decommissioned");
        }
    }

    /// <summary>
    /// The members that stay: a leaving host's keys are taken off each. Read through the removal's
    /// own Ceph CLI (on a host that stays), not the connection's, which could settle on the leaving
    /// host while it still has its configuration and then fail once that is gone.
    /// </summary>
    private static async Task<IReadOnlyList<(MemberHost, RemoteHost)>> RemainingAsync(Ceph ceph, ClusterConnection conn,
        RemovalWork work, IOperationSteps ctx)
    {
        var registry = await ctx.StepAsync("read cluster members", ceph.Host.Name,
            ct => ceph.ConfigKeyDumpAsync(ClusterNames.MemberKeyPrefix, ct), readOnly: true);
        var members = ClusterMembers.Merge(registry, conn.Info.Hosts);
        return members.Where(m => !work.Hosts.Any(h => h.Host.Name == m.Name))
            .Select(m => (m.Host, conn.Connect(m.Host))).ToList();
    }

    public static string Describe(IReadOnlyList<OsdToRemove> osds, IReadOnlyList<HostToRemove> hosts) =>
        string.Join(", ", osds.Select(o => $"osd.{o.OsdId} ({o.Host.Name}{(o.Device is null ? "" : " " + o.Device)})")
            .Concat(hosts.Select(h => $"host {h.Host.Name}" + (h.MonName is null ? "" : " with its monitor"))));

    /// <summary>
    /// The id of the OSD on <paramref name="device"/>, read from the host (ceph-volume), or null when it carries none.
    /// </summary>
    public static async Task<int?> FindOsdAsync(RemoteHost host, string name, string device, IOperationSteps ctx)
    {
        var list = await ctx.StepAsync("find OSD of device", name,
            ct => new CephVolume(host, ClusterConnection.CephContext).RawListAsync(device, ct), readOnly: true);
        return list.FirstOrDefault()?.OsdId;
    }
}
