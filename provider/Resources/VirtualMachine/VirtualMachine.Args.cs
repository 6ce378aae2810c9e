using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

[EnumType("Placement", "How a VM is placed on the cluster's hosts.")]
public enum Placement
{
    [EnumValue("auto", "The provider picks a host with room (starting at `host` when set); the VM may move during " +
        "maintenance.")]
    Auto,
    [EnumValue("failover", "Like auto, and restarted on another host when its host fails.")]
    Failover,
    [EnumValue("pinned", "Runs only on `host`: never moved automatically, and it blocks that host's maintenance.")]
    Pinned,
}

[EnumType("PowerState", "Whether a VM should be running.")]
public enum PowerState
{
    [EnumValue("running", "Started, and started again after a host restart.")]
    Running,
    [EnumValue("stopped", "Shut down (gracefully, then forced after a timeout).")]
    Stopped,
}

[EnumType("RestartPolicy", "What to do when a change cannot be applied to a running VM.")]
public enum RestartPolicy
{
    [EnumValue("reboot", "Shut the guest down gracefully and start it again so the change takes effect.")]
    Reboot,
    [EnumValue("never", "Apply the change to the VM's definition only; it takes effect at the next restart and is " +
        "listed in `pendingChanges` until then.")]
    Never,
}

[EnumType("NicModel", "The emulated network card model.")]
public enum NicModel
{
    [EnumValue("virtio", "virtio-net: fastest; needs virtio drivers in the guest.")]
    Virtio,
    [EnumValue("e1000e", "Intel 82574 emulation: for guests without virtio drivers.")]
    E1000e,
    [EnumValue("e1000", "Intel 82540 emulation: for old guests.")]
    E1000,
    [EnumValue("rtl8139", "Realtek 8139 emulation: for very old guests.")]
    Rtl8139,
}

[ObjectType("VmDisk", "A disk of a virtual machine: an RBD image in a Ceph pool.")]
public sealed class VmDisk
{
    [Input("Name of the disk, unique in the VM (e.g. `boot`, `data`); the RBD image is named after the VM and this " +
        "name. Diffs follow disks by name.", Required = true)]
    public string? Name { get; set; }

    [Input("Size in GiB, 1-65536. Growing a disk resizes it in place (live); shrinking is refused to protect the data.",
        Required = true)]
    public int? SizeGiB { get; set; }

    [Input("Ceph pool of the disk. Defaults to the cluster's `vmPool`.")]
    public string? Pool { get; set; }

    [Input("Bus the disk is attached to: `virtio`, `scsi` or `sata`.", Default = "virtio")]
    public DiskBus? Bus { get; set; }
}

[ObjectType("VmNetworkInterface", "A network interface of a virtual machine on an OVS VLAN port group.")]
public sealed class VmNetworkInterface
{
    [Input("Name of the interface, unique in the VM (e.g. `lan`, `storage`). Diffs follow interfaces by name.",
        Required = true)]
    public string? Name { get; set; }

    [Input("Network the interface is on: an OvsVlan's `name` (its port group), or a compute VLAN id of the cluster " +
        "such as `\"22\"`.", Required = true)]
    public string? Vlan { get; set; }

    [Input("MAC address, six hex pairs separated by ':' (e.g. `52:54:00:12:34:56`), unique in the VM. Generated when " +
        "left out and then kept.")]
    public string? Mac { get; set; }

    [Input("Emulated NIC model.", Default = "virtio")]
    public NicModel? Model { get; set; }
}

[ObjectType("CloudInit", "cloud-init NoCloud seed data given to the guest on first boot (and again whenever it " +
    "changes: the instance-id follows the content).")]
public sealed class CloudInit
{
    [Input("User data: a `#cloud-config` YAML document, a script starting with `#!`, or MIME multipart. YAML is " +
        "checked, with line and column on error. Mark it secret if it holds credentials.")]
    public string? UserData { get; set; }

    [Input("Extra meta-data as a YAML (or JSON) mapping; `instance-id` and `local-hostname` are set by the provider " +
        "unless given here.")]
    public string? MetaData { get; set; }

    [Input("Network configuration (cloud-init network config version 1 or 2) as YAML. Without it the guest uses DHCP " +
        "on its first interface.")]
    public string? NetworkConfig { get; set; }
}

public class VirtualMachineArgs
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Name of the VM (its libvirt domain name and guest hostname by default): letters, digits, '.', '_' or " +
        "'-'. Defaults to the resource name. Renamed in place.")]
    public string? Name { get; set; }

    [Input("Image the boot disk (the first of `disks`) is cloned from: a VirtualImage's `name`, or `pool/name` for " +
        "an image outside the cluster's VM pool. An ISO image is attached as a CD-ROM and the boot disk starts " +
        "blank. Changing it replaces the VM; nothing else does.", ReplaceOnChanges = true)]
    public string? Image { get; set; }

    [Input("Display name of the host to run on (a cluster host's `name`). Changing it live-migrates the VM. Required " +
        "for placement `pinned`; with `auto` or `failover` it is where the VM starts, otherwise the provider picks a " +
        "host with room.")]
    public string? Host { get; set; }

    [Input("Placement policy: `auto`, `failover` or `pinned` (stays on `host`).", Default = "auto")]
    public Placement? Placement { get; set; }

    [Input("Number of virtual CPUs, 1-256. Changed live up to `maxVcpus`; beyond it per `restartPolicy`.",
        Required = true)]
    public int? Vcpus { get; set; }

    [Input("Memory in MiB, 64-4194304. Changed live up to `maxMemoryMiB`; beyond it per `restartPolicy`.",
        Required = true)]
    public int? MemoryMiB { get; set; }

    [Input("Virtual CPUs the VM is prepared for at boot, so `vcpus` can grow live up to it: at least `vcpus`, at " +
        "most 256. Defaults to `vcpus` (no headroom).")]
    public int? MaxVcpus { get; set; }

    [Input("Memory in MiB the VM is prepared for at boot, so `memoryMiB` can grow live up to it: at least " +
        "`memoryMiB`, at most 4194304. Defaults to `memoryMiB` (no headroom).")]
    public int? MaxMemoryMiB { get; set; }

    [Input("libvirt CPU model: `host-model`, `host-passthrough` or a named model (e.g. `EPYC-Rome`). Defaults to the " +
        "cluster's `cpuModel`.")]
    public string? CpuModel { get; set; }

    [Input("Firmware: `bios` or `uefi` (with a per-VM NVRAM store). Defaults to the image's `firmware`.")]
    public Firmware? Firmware { get; set; }

    [Input("Guest operating system family: `linux` or `windows`. Defaults to the image's `osType`.")]
    public OsType? OsType { get; set; }

    [Input("Disks, the boot disk first. Disks are matched by `name`: adding, growing or removing one is done in " +
        "place (hot-plugged when running).", Required = true, ListKey = "name")]
    public List<VmDisk?>? Disks { get; set; }

    [Input("Network interfaces, each on a VLAN port group. Interfaces are matched by `name`: adding or removing one " +
        "is done in place (hot-plugged when running).", ListKey = "name")]
    public List<VmNetworkInterface?>? NetworkInterfaces { get; set; }

    [Input("cloud-init data for the guest (NoCloud seed).")]
    public CloudInit? CloudInit { get; set; }

    [Input("Desired power state: `running` or `stopped`.", Default = "running")]
    public PowerState? PowerState { get; set; }

    [Input("What to do when a change (e.g. CPUs or memory beyond the maximums, firmware) cannot be applied to the " +
        "running VM: `reboot` it, or `never` and leave the change pending.", Default = "reboot")]
    public RestartPolicy? RestartPolicy { get; set; }

    [Input("Keep the VM's disks (RBD images) when the VM is deleted. Off by default: they are removed with it.",
        Default = false)]
    public bool? RetainDisks { get; set; }
}

[ObjectType("VmDiskState", "A disk of a virtual machine as read from the host.")]
public sealed class VmDiskState
{
    [Output("Name of the disk (its `name` in `disks`).", Always = true)]
    public string? Name { get; set; }

    [Output("RBD spec of the disk's image, `pool/image`.")]
    public string? RbdImage { get; set; }

    [Output("Current size in GiB.")]
    public int? SizeGiB { get; set; }

    [Output("Bus the disk is attached to.")]
    public DiskBus? Bus { get; set; }

    [Output("Guest device name libvirt assigned, e.g. `vda`.")]
    public string? Target { get; set; }

    [Output("The image snapshot the disk was cloned from (`pool/image@snapshot`), for the boot disk.")]
    public string? ClonedFrom { get; set; }
}

[ObjectType("VmNetworkInterfaceState", "A network interface of a virtual machine as read from the host.")]
public sealed class VmNetworkInterfaceState
{
    [Output("Name of the interface (its `name` in `networkInterfaces`).", Always = true)]
    public string? Name { get; set; }

    [Output("Port group (libvirt network) the interface is on.")]
    public string? Vlan { get; set; }

    [Output("VLAN id tagged on the interface's traffic.")]
    public int? VlanId { get; set; }

    [Output("MAC address in use.")]
    public string? Mac { get; set; }

    [Output("Emulated NIC model.")]
    public NicModel? Model { get; set; }

    [Output("Host-side device name, e.g. `vnet3`.")]
    public string? Target { get; set; }
}

public sealed class VirtualMachineState : VirtualMachineArgs
{
    [Output("libvirt domain UUID; it never changes (updates and migrations keep the same domain).", Stable = true,
        Always = true)]
    public string? Uuid { get; set; }

    [Output("Display name of the host the VM runs on now (it may differ from `host` after failover or a manual " +
        "migration).")]
    public string? CurrentHost { get; set; }

    [Output("Domain state as libvirt reports it: `running`, `paused`, `shut off`, `crashed`, …", Always = true)]
    public string? State { get; set; }

    [Output("The VM's disks as attached, with their RBD images, sizes and device names.")]
    public List<VmDiskState>? AttachedDisks { get; set; }

    [Output("The VM's network interfaces as attached, with their MAC addresses.")]
    public List<VmNetworkInterfaceState>? AttachedNetworkInterfaces { get; set; }

    [Output("Guest IP addresses, when known (from the QEMU guest agent or DHCP leases).")]
    public List<string>? IpAddresses { get; set; }

    [Output("Changes applied to the VM's definition that take effect at its next restart (restartPolicy `never`).")]
    public List<string>? PendingChanges { get; set; }
}
