using System.Globalization;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>A domain on a host that is about to leave service, as the drain sees it.</summary>
public sealed record VmOnHost(string Name, Guid Uuid, bool Running, long MemoryKiB, string Placement,
    IReadOnlyList<string> LocalDisks, string? Nvram)
{
    public static VmOnHost Of(DomainXml d) => new(
        d.Name, d.Uuid ?? Guid.Empty, d.Id is not null, d.MemoryKiB,
        d.Metadata.GetValueOrDefault(VmMetadata.Placement) ?? "auto",
        // Only storage every host sees can move with a VM: RBD (network) disks, or an empty CD-ROM.
        d.Disks.Where(k => k.Type is "file" or "block" or "dir" or "volume" && k.SourcePath is not null)
            .Select(k => $"{k.TargetDev} ({k.SourcePath})").ToList(),
        d.NvramPath);
}

/// <summary>A host that can take VMs: the memory it has left (MemAvailable).</summary>
public sealed record HostRoom(string Name, long AvailableKiB);

public sealed record VmMove(VmOnHost Vm, string Target);

/// <summary>Where each VM of a draining host goes, or why the drain cannot happen.</summary>
public sealed record DrainPlan(string Source, IReadOnlyList<VmMove> Moves, IReadOnlyList<string> Blockers)
{
    public bool CanDrain => Blockers.Count == 0;

    public IEnumerable<string> Describe() => Moves.Select(m =>
        $"{(m.Vm.Running ? "live-migrate" : "move (shut off)")} VM {m.Vm.Name} ({Mib(m.Vm.MemoryKiB)}) from {Source} " +
            $"to {m.Target}");

    internal static string Mib(long kib) => LibvirtUnits.KiBToMiB(kib).ToString(CultureInfo.InvariantCulture) + " MiB";
}

/// <summary>
/// Chooses a target for every VM of a host leaving service, all or nothing: a pinned VM, a VM on
/// local storage or a VM no host has room for blocks the drain, and every blocker is listed.
/// Larger VMs are placed first, each on the host with the most memory left, so the VMs spread
/// instead of filling the first host.
/// </summary>
public static class DrainPlanner
{
    /// <summary>Memory a target keeps free beyond the VMs it takes, for its own daemons' growth.</summary>
    public static readonly long ReserveKiB = LibvirtUnits.MiBToKiB(512);

    public static DrainPlan Plan(string source, IReadOnlyList<VmOnHost> vms, IReadOnlyList<HostRoom> targets)
    {
        var blockers = new List<string>();
        foreach (var vm in vms)
        {
            if (vm.Placement == VmMetadata.Pinned)
                blockers.Add($"VM {vm.Name} is pinned to {source} (placement: pinned): change its placement or its " +
                    $"host first");
            if (vm.LocalDisks.Count > 0)
                blockers.Add($"VM {vm.Name} has disks on {source}'s local storage " +
                    $"({string.Join(", ", vm.LocalDisks)}): only VMs whose disks are all in Ceph can move");
        }
        var movable = vms.Where(v => v.Placement != VmMetadata.Pinned && v.LocalDisks.Count == 0).ToList();
        if (movable.Count > 0 && targets.Count == 0)
            blockers.Add($"no other host is in service to take {string.Join(", ", movable.Select(v => v.Name))}");

        var left = targets.ToDictionary(t => t.Name, t => t.AvailableKiB - ReserveKiB);
        var moves = new List<VmMove>();
        if (targets.Count > 0)
            foreach (var vm in movable.OrderByDescending(v => v.MemoryKiB).ThenBy(v => v.Name, StringComparer.Ordinal))
            {
                var best = left.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First();
                if (best.Value < vm.MemoryKiB)
                {
                    blockers.Add($"VM {vm.Name} needs {DrainPlan.Mib(vm.MemoryKiB)} but the most any other host has " +
                        $"left is {DrainPlan.Mib(Math.Max(0, best.Value))} ({best.Key}, " +
                        $"after keeping {DrainPlan.Mib(ReserveKiB)} for the host itself and the VMs placed before it)");
                    continue;
                }
                left[best.Key] = best.Value - vm.MemoryKiB;
                moves.Add(new VmMove(vm, best.Key));
            }
        return new DrainPlan(source, moves, blockers);
    }
}
