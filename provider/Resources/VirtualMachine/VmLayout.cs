using System.Security.Cryptography;

using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>One declared disk where it lives: its RBD image and the guest device it is attached as.</summary>
public sealed record VmDiskLayout(string Name, RbdImageRef Image, DiskBus Bus, string TargetDev, int SizeGiB);

/// <summary>One declared NIC on the host: the libvirt network of its VLAN and its MAC.</summary>
public sealed record VmNicLayout(string Name, string Network, string Mac, string Model);

/// <summary>
/// The names and device slots of a VM's parts, chosen once and then kept: RBD images are
/// `VM-DISK` in their pool, guest devices are assigned in declaration order per bus and never
/// reused while the VM lives, the cloud-init seed is a CD-ROM on SATA `sda` (so SATA and SCSI data
/// disks start at `sdb`), and MACs not given are generated in QEMU's 52:54:00 range.
/// </summary>
public static class VmLayout
{
    public const string SeedTarget = "sda";

    public static RbdImageRef DiskImage(string pool, string vm, string disk) => new(pool, $"{vm}-{disk}");

    /// <summary>The seed image is named by its content, so a changed seed is a new image the VM switches to.</summary>
    public static RbdImageRef SeedImage(string pool, string vm, string instanceId) =>
        new(pool, $"{vm}-seed-{instanceId[^8..]}");

    public static DiskBus BusOf(DiskBus? bus) => bus ?? DiskBus.Virtio;

    /// <summary>
    /// Device names for the declared disks: those already attached keep theirs (<paramref name="attached"/>:
    /// disk name → target), new ones take the first free name of their bus.
    /// </summary>
    public static IReadOnlyList<VmDiskLayout> Disks(IReadOnlyList<VmDisk> disks, string vm, string defaultPool,
        IReadOnlyDictionary<string, string> attached)
    {
        var used = new HashSet<string>(attached.Values, StringComparer.Ordinal) { SeedTarget };
        var result = new List<VmDiskLayout>();
        foreach (var d in disks)
        {
            var bus = BusOf(d.Bus);
            var target = attached.TryGetValue(d.Name!, out var t)
                && t.StartsWith(Prefix(bus), StringComparison.Ordinal) ? t : NextFree(Prefix(bus), used);
            used.Add(target);
            result.Add(new VmDiskLayout(d.Name!, DiskImage(d.Pool ?? defaultPool, vm, d.Name!), bus, target,
                d.SizeGiB ?? 1));
        }
        return result;
    }

    private static string Prefix(DiskBus bus) => bus == DiskBus.Virtio ? "vd" : "sd";

    private static string NextFree(string prefix, HashSet<string> used)
    {
        for (var c = 'a'; c <= 'z'; c++)
            if (!used.Contains(prefix + c)) return prefix + c;
        throw new InvalidOperationException($"no free {prefix}X device name left");
    }

    /// <summary>A locally administered unicast MAC in QEMU's range, from the provider's random source.</summary>
    public static string NewMac()
    {
        Span<byte> b = stackalloc byte[3];
        RandomNumberGenerator.Fill(b);
        return $"52:54:00:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}";
    }

    /// <summary>The CPU element for the cluster's (or VM's) model; under TCG there is no host CPU to model, so
    /// `maximum`.</summary>
    public static CpuSpec Cpu(string? model, ClusterInfo info) => (model ?? info.CpuModel ?? "host-model") switch
    {
        "host-passthrough" => info.DomainType == "qemu" ? new CpuSpec(CpuMode.Maximum) : CpuSpec.HostPassthrough,
        "host-model" => info.DomainType == "qemu" ? new CpuSpec(CpuMode.Maximum) : new CpuSpec(CpuMode.HostModel),
        var named => CpuSpec.Named(named),
    };
}
