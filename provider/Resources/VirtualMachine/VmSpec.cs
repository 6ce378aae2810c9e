
using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// A VirtualMachine's inputs as a libvirt domain: RBD disks through the cluster's cephx user and
/// libvirt secret, NICs on the VLAN networks, the seed as a CD-ROM, memory and vCPUs with the
/// declared headroom, and the provider's metadata (placement, interface names) that travels
/// with the domain.
/// </summary>
public static class VmSpec
{
    public static string NicKey(string mac) => "nic:" + mac;

    public static DomainSpec Build(VirtualMachineArgs a, ClusterInfo info, Guid uuid, string host,
        IReadOnlyList<VmDiskLayout> disks,
        IReadOnlyList<VmNicLayout> nics, Tools.RbdImageRef? seed, string owner)
    {
        var diskSpecs = disks.Select(d => Disk(d, info)).ToList();
        if (seed is not null) diskSpecs.Add(Seed(seed, info));
        var metadata = new Dictionary<string, string>
        {
            [VmMetadata.Placement] = PlacementName(a.Placement),
            [VmMetadata.Owner] = owner,
        };
        if (a.Host is not null) metadata[VmMetadata.Host] = a.Host;
        foreach (var n in nics) metadata[NicKey(n.Mac)] = n.Name;
        var memory = VmMemory.MaximumKiB(a);
        return new DomainSpec
        {
            Name = a.Name!,
            Uuid = uuid,
            Type = info.DomainType == "qemu" ? DomainType.Qemu : DomainType.Kvm,
            MemoryKiB = memory,
            CurrentMemoryKiB = VmMemory.CurrentKiB(a),
            MaxVcpus = a.MaxVcpus ?? a.Vcpus ?? 1,
            Vcpus = a.Vcpus ?? 1,
            Cpu = VmLayout.Cpu(a.CpuModel, info),
            Firmware = a.Firmware == Firmware.Uefi ? Firmware.Uefi : Firmware.Bios,
            BootDevices = ["hd"],
            Disks = diskSpecs,
            Interfaces = nics.Select(n => InterfaceSpec.OnNetwork(n.Network, mac: n.Mac) with { Model = n.Model })
                .ToList(),
            Description = $"managed by pulumi-resource-mvm (cluster {info.Name}, host {host} at creation)",
            Metadata = metadata,
        };
    }

    /// <summary>The cluster's cephx user and the libvirt secret that holds its key, as every RBD disk
    /// authenticates.</summary>
    public static CephAuth? Auth(ClusterInfo info) =>
        Guid.TryParse(info.LibvirtSecretUuid, out var secret) ? new CephAuth(info.CephClient, secret) : null;

    /// <summary>A declared disk as attached: its RBD image, TRIM passed through, its name as the serial the guest finds
    /// it by.</summary>
    public static DiskSpec Disk(VmDiskLayout d, ClusterInfo info) => new()
    {
        Source = new RbdDiskSource(d.Image.Pool, d.Image.Image, [], Auth(info)),
        TargetDev = d.TargetDev,
        Bus = d.Bus,
        Discard = true,
        Serial = d.Name.Length <= 20 ? d.Name : null,
    };

    public static DiskSpec Seed(Tools.RbdImageRef seed, ClusterInfo info) =>
        DiskSpec.CdromSeed(new RbdDiskSource(seed.Pool, seed.Image, [], Auth(info)), VmLayout.SeedTarget);

    public static string PlacementName(Placement? p) => p switch
    {
        Placement.Pinned => VmMetadata.Pinned,
        Placement.Failover => "failover",
        _ => "auto",
    };
}
