using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// A VM's domain as found on a host: <paramref name="Xml"/> as it runs now (the definition when
/// off), <paramref name="Config"/> its persistent definition — what the next boot applies. The
/// memory balloon's live size lags until the guest's driver loads, so declared memory is read from the definition.
/// </summary>
public sealed record FoundVm(ClusterMember Member, RemoteHost Host, DomainXml Xml, DomainXml Config);

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
    public static async Task<(ClusterMember Member, RemoteHost Host)> ChooseAsync(ClusterConnection conn,
        string? wanted, long memoryKiB, OperationContext ctx)
    {
        var members = await MembersAsync(conn, ctx);
        if (wanted is not null)
        {
            var m = members.FirstOrDefault(x => string.Equals(x.Name, wanted, StringComparison.OrdinalIgnoreCase))
                ?? throw new PreconditionFailedException($"cluster {conn.Info.Name} has no host named {wanted} (it " +
                    $"has {string.Join(", ", members.Select(x => x.Name))}); nothing was changed");
            if (m.Maintenance) throw new PreconditionFailedException($"host {m.Name} is in maintenance and takes no " +
                $"VMs; choose another host or take it out of maintenance; nothing was changed");
            var host = conn.Connect(m.Host);
            var room = await RoomAsync(host, m.Name, ctx);
            if (room < memoryKiB)
                throw new PreconditionFailedException($"host {m.Name} has {LibvirtUnits.KiBToMiB(room)} MiB of " +
                    $"memory left for VMs, the VM needs {LibvirtUnits.KiBToMiB(memoryKiB)} MiB; choose another host; " +
                    $"nothing was changed");
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
                return (m, (RemoteHost?)null, Room: -1L);
            }
        }));
        var best = rooms.Where(r => r.Item2 is not null).OrderByDescending(r => r.Room)
            .ThenBy(r => r.m.Name, StringComparer.Ordinal).FirstOrDefault();
        if (best.Item2 is null || best.Room < memoryKiB)
            throw new PreconditionFailedException($"no host of cluster {conn.Info.Name} in service has " +
                $"{LibvirtUnits.KiBToMiB(memoryKiB)} MiB of memory left for the VM" +
                (best.Item2 is null ? "" : $" (the most is {LibvirtUnits.KiBToMiB(best.Room)} MiB on " +
                    $"{best.m.Name})") + "; nothing was changed");
        return (best.m, best.Item2!);
    }

    /// <summary>MemAvailable less the reserve a host keeps for itself (the drain uses the same rule).</summary>
    private static async Task<long> RoomAsync(RemoteHost host, string name, OperationContext ctx)
    {
        return await ctx.StepAsync("read free memory", name, ct => HostDrain.AvailableKiBAsync(host, ct),
            readOnly: true) - DrainPlanner.ReserveKiB;
    }

    private static Task<IReadOnlyList<ClusterMember>> MembersAsync(ClusterConnection conn, OperationContext ctx) =>
        ctx.StepAsync("read cluster members", null, ct => conn.MembersOnceAsync(ct), readOnly: true);

    /// <summary>
    /// Finds the domain by UUID (or, for an import, by name): first on <paramref name="likely"/>,
    /// then on every other member at once. Null only when every member answered and none has it:
    /// when it is on no member that answered but some could not be asked (unreachable, libvirt
    /// down), it may be on one of those, so this throws <see cref="VmNotLocatedException"/> naming
    /// them rather than let a Read drop a VM that still runs, a Delete skip it, or a create or
    /// update make a second one. When the connect string names the likely host, it is asked
    /// before the member registry is read: a VM that stayed where it was (every refresh but one
    /// after a move) costs one round trip, not a Ceph probe of every host and a registry read.
    /// Such a find's <see cref="FoundVm.Member"/> carries the connect string's fields only (no
    /// registry Hostname or Maintenance; VM work uses neither).
    /// </summary>
    public static async Task<FoundVm?> FindAsync(ClusterConnection conn, string idOrName, string? likely,
        OperationContext ctx)
    {
        var unanswered = new List<(string Host, Exception Error)>();
        var seed = likely is null ? null : conn.Info.Hosts.FirstOrDefault(h => string.Equals(h.Name, likely,
            StringComparison.OrdinalIgnoreCase));
        if (seed is not null)
        {
            var (atOnce, error) = await LookAsync(conn, new ClusterMember { Host = seed }, idOrName, ctx);
            if (atOnce is not null) return atOnce;
            if (error is not null) unanswered.Add((seed.Name!, error));
        }
        var members = await MembersAsync(conn, ctx);
        var first = members.FirstOrDefault(m => string.Equals(m.Name, likely, StringComparison.OrdinalIgnoreCase));
        if (seed is null && first is not null)
        {
            var (here, error) = await LookAsync(conn, first, idOrName, ctx);
            if (here is not null) return here;
            if (error is not null) unanswered.Add((first.Name, error));
        }
        var rest = members.Where(m => m != first).ToList();
        var looks = await Task.WhenAll(rest.Select(m => LookAsync(conn, m, idOrName, ctx)));
        if (looks.Select(l => l.Found).FirstOrDefault(f => f is not null) is { } found) return found;
        unanswered.AddRange(rest.Zip(looks).Where(p => p.Second.Error is not null).Select(p => (p.First.Name,
            p.Second.Error!)));
        if (unanswered.Count > 0)
            throw new VmNotLocatedException(idOrName,
                members.Select(m => m.Name).Where(n => !unanswered.Any(u => u.Host == n)).ToList(), unanswered);
        return null;
    }

    /// <summary>One member's answer: the VM, or null with no error when it positively does not have it, or the error
    /// that kept it from answering.</summary>
    private static async Task<(FoundVm? Found, Exception? Error)> LookAsync(ClusterConnection conn, ClusterMember m,
        string idOrName, OperationContext ctx)
    {
        var host = conn.Connect(m.Host);
        try
        {
            var batch = new ToolBatch();
            var xml = batch.Add(VirshCalls.DumpXml(idOrName));
            var config = batch.Add(VirshCalls.DumpXml(idOrName, inactive: true));
            // Read inside the step: a virsh failure other than "no such domain" is a failure to answer, not an absence.
            return await ctx.StepAsync("look for VM", m.Name, async ct =>
            {
                await batch.RunAsync(host, T, ct);
                return xml.Value is { } x ? (new FoundVm(m, host, x, config.Value ?? x), (Exception?)null) : (null,
                    null);
            }, readOnly: true);
        }
        catch (StepFailedException e)
        {
            return (null, e.InnerException ?? e);
        }
    }
}
