using Mvm.Framework;
using Mvm.Resources.Cluster;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Machines;

/// <summary>
/// A VM's domain as found on a host: <paramref name="Xml"/> as it runs now (the definition when
/// off), <paramref name="Config"/> its persistent definition — what the next boot applies. The
/// memory balloon's live size lags until the guest's driver loads, so declared memory is read from the definition.
/// </summary>
public sealed record FoundVm(ClusterMember Member, IHost Host, DomainXml Xml, DomainXml Config);

/// <summary>
/// The cluster's hosts as VMs see them: where a new VM goes (the declared host, or the member in
/// service with the most free memory) and where an existing one is now (found by UUID on any
/// member, so a VM that moved is followed, not lost).
/// </summary>
public static class VmHosts
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The host for a VM needing <paramref name="memoryKiB"/>: <paramref name="wanted"/> when set
    /// (refused if unknown, in maintenance or short of memory), else the member with the most room.
    /// </summary>
    public static async Task<(ClusterMember Member, IHost Host)> ChooseAsync(ClusterConnection conn, string? wanted, long memoryKiB, OperationContext ctx)
    {
        var members = await MembersAsync(conn, ctx);
        if (wanted is not null)
        {
            var m = members.FirstOrDefault(x => string.Equals(x.Name, wanted, StringComparison.OrdinalIgnoreCase))
                ?? throw new PreconditionFailedException($"cluster {conn.Info.Name} has no host named {wanted} (it has {string.Join(", ", members.Select(x => x.Name))}); nothing was changed");
            if (m.Maintenance) throw new PreconditionFailedException($"host {m.Name} is in maintenance and takes no VMs; choose another host or take it out of maintenance; nothing was changed");
            var host = conn.Connect(m.Host);
            var room = await RoomAsync(host, m.Name, ctx);
            if (room < memoryKiB)
                throw new PreconditionFailedException($"host {m.Name} has {room / 1024} MiB of memory left for VMs, the VM needs {memoryKiB / 1024} MiB; choose another host; nothing was changed");
            return (m, host);
        }
        var candidates = members.Where(x => !x.Maintenance).ToList();
        var rooms = await Task.WhenAll(candidates.Select(async m =>
        {
            try
            {
                var host = conn.Connect(m.Host);
                return (m, host, Room: await RoomAsync(host, m.Name, ctx));
            }
            catch (StepFailedException)
            {
                return (m, (IHost?)null, Room: -1L);
            }
        }));
        var best = rooms.Where(r => r.Item2 is not null).OrderByDescending(r => r.Room).ThenBy(r => r.m.Name, StringComparer.Ordinal).FirstOrDefault();
        if (best.Item2 is null || best.Room < memoryKiB)
            throw new PreconditionFailedException($"no host of cluster {conn.Info.Name} in service has {memoryKiB / 1024} MiB of memory left for the VM" +
                (best.Item2 is null ? "" : $" (the most is {best.Room / 1024} MiB on {best.m.Name})") + "; nothing was changed");
        return (best.m, best.Item2!);
    }

    /// <summary>MemAvailable less the reserve a host keeps for itself (the drain uses the same rule).</summary>
    private static async Task<long> RoomAsync(IHost host, string name, OperationContext ctx)
    {
        return await ctx.StepAsync("read free memory", name, ct => HostDrain.AvailableKiBAsync(host, ct), readOnly: true) - DrainPlanner.ReserveKiB;
    }

    private static Task<IReadOnlyList<ClusterMember>> MembersAsync(ClusterConnection conn, OperationContext ctx) =>
        ctx.StepAsync("read cluster members", null, ct => conn.MembersOnceAsync(ct), readOnly: true);

    /// <summary>
    /// Finds the domain by UUID (or, for an import, by name): first on <paramref name="likely"/>,
    /// then on every other member at once. Null when no reachable member has it. When the connect
    /// string names the likely host, it is asked before the member registry is read: a VM that
    /// stayed where it was (every refresh but one after a move) costs one round trip, not a Ceph
    /// probe of every host and a registry read. Such a find's <see cref="FoundVm.Member"/> carries
    /// the connect string's fields only (no registry Hostname or Maintenance; VM work uses neither).
    /// </summary>
    public static async Task<FoundVm?> FindAsync(ClusterConnection conn, string idOrName, string? likely, OperationContext ctx)
    {
        var seed = likely is null ? null : conn.Info.Hosts.FirstOrDefault(h => string.Equals(h.Name, likely, StringComparison.OrdinalIgnoreCase));
        if (seed is not null && await TryAsync(conn, new ClusterMember { Host = seed }, idOrName, ctx) is { } atOnce) return atOnce;
        var members = await MembersAsync(conn, ctx);
        var first = members.FirstOrDefault(m => string.Equals(m.Name, likely, StringComparison.OrdinalIgnoreCase));
        if (seed is null && first is not null && await TryAsync(conn, first, idOrName, ctx) is { } here) return here;
        var found = await Task.WhenAll(members.Where(m => m != first).Select(m => TryAsync(conn, m, idOrName, ctx)));
        return found.FirstOrDefault(f => f is not null);
    }

    private static async Task<FoundVm?> TryAsync(ClusterConnection conn, ClusterMember m, string idOrName, OperationContext ctx)
    {
        var host = conn.Connect(m.Host);
        try
        {
            var batch = new ToolBatch();
            var xml = batch.Add(VirshCalls.DumpXml(idOrName));
            var config = batch.Add(VirshCalls.DumpXml(idOrName, inactive: true));
            await ctx.StepAsync("look for VM", m.Name, ct => batch.RunAsync(host, T, ct), readOnly: true);
            return xml.Value is { } x ? new FoundVm(m, host, x, config.Value ?? x) : null;
        }
        catch (StepFailedException e) when (e.InnerException is HostUnreachableException)
        {
            await ctx.WarningAsync($"{m.Name} is unreachable: a VM there cannot be seen ({e.Message.Split('\n')[0]})");
            return null;
        }
    }
}
