using Mvm.Core;
namespace Mvm.Tools;

/// <summary>`kvm` needs /dev/kvm on the host; `qemu` (TCG emulation) runs anywhere, slowly.</summary>
[EnumType("DomainType", "The libvirt domain type VMs run as.")]
public enum DomainType
{
    [EnumValue("kvm",
        "Hardware virtualisation through KVM; needs the CPU's virtualisation extensions (vmx/svm) and /dev/kvm.")]
    Kvm,
    [EnumValue("qemu", "Software emulation (TCG): slow, for labs and nested setups without KVM.")]
    Qemu,
}

[EnumType("Firmware", "The firmware a guest boots with.")]
public enum Firmware
{
    [EnumValue("bios", "Legacy BIOS (SeaBIOS).")]
    Bios,
    [EnumValue("uefi", "UEFI (OVMF), with a per-VM NVRAM variable store.")]
    Uefi,
}

/// <summary>The guest CPU: what `&lt;cpu mode=…&gt;` says.</summary>
public enum CpuMode
{
    /// <summary>The host CPU as-is: fastest, but live migration needs identical hosts.</summary>
    HostPassthrough,

    /// <summary>The closest named model plus the host's extra features, fixed at start.</summary>
    HostModel,

    /// <summary>A named model (e.g. `qemu64`, `EPYC`), the same on every host: safe for migration.</summary>
    Custom,

    /// <summary>Everything the hypervisor can offer (the only "host-like" choice that also works under TCG).</summary>
    Maximum,
}

public sealed record CpuSpec(CpuMode Mode, string? Model = null)
{
    public static CpuSpec HostPassthrough { get; } = new(CpuMode.HostPassthrough);
    public static CpuSpec Named(string model) => new(CpuMode.Custom, model);
}

/// <summary>
/// What the provider declares for a domain. <see cref="DomainXml.FromSpec"/> turns it into XML
/// for `virsh define`; libvirt fills in the rest (addresses, controllers, emulator).
/// Sizes are KiB, libvirt's own unit.
/// </summary>
public sealed record DomainSpec
{
    public required string Name { get; init; }

    /// <summary>Fixed by the provider so a failed create can still be found (and cleaned up) by UUID.</summary>
    public Guid? Uuid { get; init; }

    public DomainType Type { get; init; } = DomainType.Kvm;

    /// <summary>The boot-time (maximum) memory: `&lt;memory&gt;`. The balloon can only go below it.</summary>
    public required long MemoryKiB { get; init; }

    /// <summary>The balloon target (`&lt;currentMemory&gt;`); null means all of <see cref="MemoryKiB"/>.</summary>
    public long? CurrentMemoryKiB { get; init; }

    /// <summary>The most vCPUs the domain can have without a reboot (the `&lt;vcpu&gt;` value).</summary>
    public required int MaxVcpus { get; init; }

    /// <summary>
    /// vCPUs online at boot (`current`); null means <see cref="MaxVcpus"/>. Lower than the maximum leaves room to
    /// hot-add.
    /// </summary>
    public int? Vcpus { get; init; }

    /// <summary>Null leaves the CPU to libvirt's default.</summary>
    public CpuSpec? Cpu { get; init; }

    public string Arch { get; init; } = "x86_64";

    /// <summary>
    /// `q35` (PCIe, hot-plug through root ports) or `pc`; libvirt expands it to the newest versioned machine.
    /// </summary>
    public string Machine { get; init; } = "q35";

    public Firmware Firmware { get; init; } = Firmware.Bios;

    /// <summary>
    /// UEFI only. Off by default: libvirt's automatic firmware choice on Debian otherwise picks the
    /// Microsoft-enrolled Secure Boot build, which refuses unsigned boot loaders.
    /// </summary>
    public bool SecureBoot { get; init; }

    /// <summary>`&lt;os&gt;&lt;boot dev=…&gt;` in order: `hd`, `cdrom`, `network`.</summary>
    public IReadOnlyList<string> BootDevices { get; init; } = ["hd"];

    public IReadOnlyList<DiskSpec> Disks { get; init; } = [];

    public IReadOnlyList<InterfaceSpec> Interfaces { get; init; } = [];

    /// <summary>
    /// Empty PCIe root ports beyond those the declared devices need (q35 only). libvirt adds just
    /// enough ports for the devices present at define time, so without spares every later live
    /// attach of a virtio disk or NIC fails with "No more available PCI slots".
    /// </summary>
    public int HotplugSlots { get; init; } = 8;

    /// <summary>
    /// A virtio-scsi controller, so SCSI disks can be hot-added later. Without a declared one
    /// libvirt invents an LSI controller for the first SCSI disk, a conventional-PCI device that
    /// cannot go into a PCIe root port, and the attach fails with "No more available PCI slots".
    /// </summary>
    public bool ScsiController { get; init; } = true;

    /// <summary>A serial port with a console on it, for `virsh console` and boot logs.</summary>
    public bool SerialConsole { get; init; } = true;

    /// <summary>A virtio balloon, which `virsh setmem --live` needs.</summary>
    public bool MemoryBalloon { get; init; } = true;

    /// <summary>The qemu-guest-agent channel: guest IPs and a clean shutdown when ACPI is ignored.</summary>
    public bool GuestAgent { get; init; } = true;

    /// <summary>A virtio RNG fed from the host's /dev/urandom, so fresh cloud guests do not stall on entropy.</summary>
    public bool Rng { get; init; } = true;

    public string? Description { get; init; }

    /// <summary>
    /// Key/value pairs stored under the provider's own namespace in `&lt;metadata&gt;`: they survive
    /// define, migration and dumpxml, so the provider can recognise its domains and what made them.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first thing libvirt would reject or the provider could not
    /// manage.
    /// </summary>
    public void Validate()
    {
        DomainNames.Validate(Name);
        if (MemoryKiB <= 0) throw new
            ArgumentException($"domain {Name}: memory must be positive (got {MemoryKiB} KiB)");
        if (CurrentMemoryKiB is { } cur && (cur <= 0 || cur > MemoryKiB))
            throw new
                ArgumentException($"domain {Name}: current memory {cur} KiB must be between 1 and the " +
                $"maximum {MemoryKiB} KiB");
        if (MaxVcpus < 1) throw new
            ArgumentException($"domain {Name}: the vCPU maximum must be at least 1 (got {MaxVcpus})");
        if (Vcpus is { } v && (v < 1 || v > MaxVcpus))
            throw new ArgumentException($"domain {Name}: {v} vCPUs is outside 1..{MaxVcpus} (the maximum)");
        if (Cpu is { Mode: CpuMode.Custom, Model: null or "" })
            throw new ArgumentException($"domain {Name}: a custom CPU needs a model name");
        if (HotplugSlots < 0) throw new ArgumentException($"domain {Name}: hotplug slots cannot be negative");
        if (SecureBoot
            && Firmware != Firmware.Uefi) throw new
            ArgumentException($"domain {Name}: Secure Boot needs UEFI firmware");
        foreach (var dev in BootDevices)
        {
            if (dev is not ("hd" or "cdrom" or "network" or "fd"))
                throw new ArgumentException($"domain {Name}: boot device '{dev}' is not one of hd, cdrom, network, fd");
        }
        foreach (var d in Disks) d.Validate(Name);
        foreach (var i in Interfaces) i.Validate(Name);
        if (Disks.GroupBy(d => d.TargetDev).FirstOrDefault(g => g.Count() > 1) is { } dupDisk)
            throw new ArgumentException($"domain {Name}: two disks use target {dupDisk.Key}");
        if (Interfaces.Where(i => i.Mac is not null).GroupBy(i => i.Mac!.ToLowerInvariant())
            .FirstOrDefault(g => g.Count() > 1) is { } dupMac)
            throw new ArgumentException($"domain {Name}: two interfaces use MAC {dupMac.Key}");
        if (Metadata.Keys.Any(string.IsNullOrEmpty)) throw new
            ArgumentException($"domain {Name}: metadata keys cannot be empty");
    }
}

public enum DiskDevice
{
    Disk,
    Cdrom,
}

/// <summary>
/// `virtio` (virtio-blk: one PCIe slot per disk, detach needs the guest's cooperation), `scsi`
/// (virtio-scsi: many disks on one controller, detach completes without the guest), `sata`
/// (q35's built-in AHCI controller: for guests without virtio drivers; cloud kernels may lack AHCI).
/// </summary>
[EnumType("DiskBus", "The bus a disk is attached to.")]
public enum DiskBus
{
    [EnumValue("virtio", "virtio-blk: fastest; hot-pluggable; needs virtio drivers in the guest.")]
    Virtio,
    [EnumValue("scsi", "virtio-scsi: hot-pluggable, supports discard and many disks.")]
    Scsi,
    [EnumValue("sata", "Emulated SATA (AHCI): for guests without virtio drivers.")]
    Sata,
}

/// <summary>A disk of a domain: where its bytes live and how the guest sees it.</summary>
public sealed record DiskSpec
{
    public required DiskSource Source { get; init; }

    /// <summary>The guest device name libvirt keys disks by (`vda`, `sda`): detach and blockresize use it.</summary>
    public required string TargetDev { get; init; }

    public DiskBus Bus { get; init; } = DiskBus.Virtio;

    public DiskDevice Device { get; init; } = DiskDevice.Disk;

    /// <summary>Shown to the guest (/dev/disk/by-id/virtio-&lt;serial&gt;), so it can find a disk by name.</summary>
    public string? Serial { get; init; }

    /// <summary>Always true for a CD-ROM.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>`none`, `writeback`, … ; null leaves libvirt's default.</summary>
    public string? Cache { get; init; }

    /// <summary>Pass the guest's TRIM through (`discard='unmap'`): thin RBD images give space back.</summary>
    public bool Discard { get; init; }

    /// <summary>
    /// A read-only CD-ROM for a cloud-init NoCloud seed, on virtio-scsi by default: Debian's cloud
    /// kernel (linux-image-cloud-amd64, also in Debian's genericcloud images) has no AHCI driver,
    /// so on q35 a SATA CD-ROM never appears in the guest and cloud-init silently falls back to
    /// no datasource. virtio-scsi plus sr_mod is in every Linux cloud kernel.
    /// </summary>
    public static DiskSpec CdromSeed(DiskSource source, string targetDev = "sda", DiskBus bus = DiskBus.Scsi) =>
        new() { Source = source, TargetDev = targetDev, Bus = bus, Device = DiskDevice.Cdrom, ReadOnly = true };

    internal void Validate(string domain)
    {
        if (string.IsNullOrEmpty(TargetDev) || !TargetDev.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            throw new
                ArgumentException($"domain {domain}: disk target '{TargetDev}' must be a device name like vda or sdb");
        var expected = Bus == DiskBus.Virtio ? "vd" : "sd";
        if (!TargetDev.StartsWith(expected, StringComparison.Ordinal))
            throw new
                ArgumentException($"domain {domain}: disk target '{TargetDev}' on " +
                $"bus {Bus.ToString().ToLowerInvariant()} should start with '{expected}'");
        if (Device == DiskDevice.Cdrom && Bus == DiskBus.Virtio)
            throw new ArgumentException($"domain {domain}: CD-ROM {TargetDev} cannot be on virtio; use sata or scsi");
        if (Serial is { } s && (s.Length > 20 || s.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')))
            throw new
                ArgumentException($"domain {domain}: disk serial '{s}' must be at most 20 letters, digits, '-' or " +
                "'_' (virtio-blk truncates longer ones)");
        Source.Validate(domain, TargetDev);
    }
}

/// <summary>Where a disk's data is.</summary>
public abstract record DiskSource
{
    internal abstract void Validate(string domain, string target);
}

/// <summary>An image file on the host (qcow2 or raw).</summary>
public sealed record FileDiskSource(string Path, string Format = "qcow2") : DiskSource
{
    internal override void Validate(string domain, string target)
    {
        if (!Path.StartsWith('/')) throw new
            ArgumentException($"domain {domain}: disk {target} path '{Path}' must be absolute");
        if (Format is not ("qcow2" or "raw")) throw new
            ArgumentException($"domain {domain}: disk {target} format '{Format}' must be qcow2 or raw");
    }
}

/// <summary>A Ceph monitor address for an RBD disk or pool; no port means Ceph's default.</summary>
public sealed record CephMonitor(string Host, int? Port = null);

/// <summary>The cephx user a disk or pool authenticates as, and the libvirt secret that holds its key.</summary>
public sealed record CephAuth(string Username, Guid SecretUuid);

/// <summary>
/// An RBD image opened by QEMU through librbd (a `&lt;disk type='network'&gt;`), always raw.
/// With no monitors, librbd reads /etc/ceph/ceph.conf on the host.
/// </summary>
public sealed record RbdDiskSource(string Pool, string Image, IReadOnlyList<CephMonitor> Monitors, CephAuth? Auth)
    : DiskSource
{
    // By value, monitors included: specs are compared to what was read back from a host.
    public bool Equals(RbdDiskSource? other) =>
        other is not null && Pool == other.Pool && Image == other.Image && Auth == other.Auth
            && Monitors.SequenceEqual(other.Monitors);

    public override int GetHashCode() => HashCode.Combine(Pool, Image, Auth, Monitors.Count);

    internal override void Validate(string domain, string target)
    {
        if (string.IsNullOrEmpty(Pool)
            || Pool.Contains('/')) throw new
            ArgumentException($"domain {domain}: disk {target} RBD pool '{Pool}' must be a pool name");
        if (string.IsNullOrEmpty(Image)) throw new
            ArgumentException($"domain {domain}: disk {target} needs an RBD image name");
        if (Auth is { Username: null or "" }) throw new
            ArgumentException($"domain {domain}: disk {target} cephx auth needs a user name");
    }
}

public enum InterfaceKind
{
    /// <summary>
    /// A bridge on the host by name (an OVS bridge with <see cref="InterfaceSpec.OpenVSwitch"/>, else a Linux bridge).
    /// </summary>
    Bridge,

    /// <summary>A libvirt network, optionally a port group of it (how OVS VLAN port groups are offered).</summary>
    Network,
}

/// <summary>A NIC of a domain.</summary>
public sealed record InterfaceSpec
{
    public required InterfaceKind Kind { get; init; }

    /// <summary>The bridge or network name.</summary>
    public required string Source { get; init; }

    /// <summary>Network only: the port group, which carries the VLAN in the network's definition.</summary>
    public string? PortGroup { get; init; }

    /// <summary>Bridge only: plug into Open vSwitch (`&lt;virtualport type='openvswitch'/&gt;`).</summary>
    public bool OpenVSwitch { get; init; }

    /// <summary>Access VLAN set on the OVS port (needs Open vSwitch or a network that uses it).</summary>
    public int? VlanTag { get; init; }

    /// <summary>
    /// Fixed by the provider so the NIC can be found again (detach matches on it); null lets libvirt pick one.
    /// </summary>
    public string? Mac { get; init; }

    public string Model { get; init; } = "virtio";

    public static InterfaceSpec OvsBridge(string bridge, int? vlanTag = null, string? mac = null) =>
        new() { Kind = InterfaceKind.Bridge, Source = bridge, OpenVSwitch = true, VlanTag = vlanTag, Mac = mac };

    public static InterfaceSpec OnNetwork(string network, string? portGroup = null, string? mac = null) =>
        new() { Kind = InterfaceKind.Network, Source = network, PortGroup = portGroup, Mac = mac };

    internal void Validate(string domain)
    {
        if (string.IsNullOrEmpty(Source)) throw new
            ArgumentException($"domain {domain}: an interface needs a {Kind.ToString().ToLowerInvariant()} name");
        if (VlanTag is { } tag
            && (tag < 1 || tag > 4094)) throw new ArgumentException($"domain {domain}: VLAN {tag} is outside 1..4094");
        if (Mac is { } mac
            && !MacAddresses.IsValid(mac)) throw new
            ArgumentException($"domain {domain}: '{mac}' is not a MAC address like 52:54:00:12:34:56");
        if (Mac is { } m
            && MacAddresses.IsMulticast(m)) throw new
            ArgumentException($"domain {domain}: MAC {m} is a multicast address; a NIC needs a unicast one");
        if (PortGroup is not null
            && Kind != InterfaceKind.Network) throw new
            ArgumentException($"domain {domain}: a port group needs a network interface");
        if (OpenVSwitch
            && Kind != InterfaceKind.Bridge) throw new
            ArgumentException($"domain {domain}: Open vSwitch is set on the network, not on its interfaces");
        if (VlanTag is not null && Kind == InterfaceKind.Bridge && !OpenVSwitch)
            throw new
                ArgumentException($"domain {domain}: a VLAN tag on bridge {Source} needs Open vSwitch (libvirt " +
                "cannot tag on a Linux bridge)");
        if (string.IsNullOrEmpty(Model) || !Model.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"domain {domain}: NIC model '{Model}' is not a model name");
    }
}

/// <summary>MAC address checks shared by the spec and the XML model.</summary>
public static class MacAddresses
{
    public static bool IsValid(string mac) =>
        mac.Length == 17 && mac.Select((c, i) => i % 3 == 2 ? c == ':' : char.IsAsciiHexDigit(c)).All(ok => ok);

    public static bool IsMulticast(string mac) => IsValid(mac) && (Convert.ToByte(mac[..2], 16) & 1) == 1;

    /// <summary>libvirt prints MACs lower-case; compare that way.</summary>
    public static string Normalize(string mac) => mac.ToLowerInvariant();
}

/// <summary>
/// Which names libvirt accepts for domains, networks and pools (and the provider can pass safely as one argv word).
/// </summary>
public static class DomainNames
{
    public static void Validate(string name, string kind = "domain")
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException($"a {kind} needs a name");
        // libvirt refuses '/' (names become file names under /etc/libvirt); a leading '-' would
        // read as an option to tools that take positional names; control characters break its
        // line-oriented listings.
        if (name.Contains('/') || name[0] == '-' || name.Any(char.IsControl) || name.Trim() != name)
            throw new
                ArgumentException($"{kind} name '{name}' may not contain '/' or control characters, start with '-', " +
                "or start or end with spaces");
        if (name.Length > 200) throw new
            ArgumentException($"{kind} name '{name[..20]}…' is longer than 200 characters");
    }
}
