using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

[ResourceType("VirtualMachine", """
A virtual machine on an MvmCluster: a libvirt domain with RBD disks and NICs on OVS VLAN port
groups, booted from a VirtualImage with cloud-init. CPUs, memory, disks, NICs, host (live
migration) and power state are changed in place; only a new `image` replaces the VM. Refresh finds
the VM by UUID on whichever host it runs.
""")]
public sealed partial class VirtualMachine : Resource<VirtualMachineArgs, VirtualMachineState>
{
    public const int MaxVcpus = 256;
    public const int MinMemoryMiB = 64;
    public const int MaxMemoryMiB = 4 * 1024 * 1024;
    public const int MaxDiskGiB = 65536;
    public const int MaxDisks = 32;
    public const int MaxNetworkInterfaces = 16;

    // The domain name and its disks' RBD image names are reused by the replacement.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    private const long GiB = 1L << 30;
    public static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(60);

    /// <summary>Through the guest agent when it answers (a minimal guest may not act on the ACPI button), else
    /// ACPI.</summary>
    public const string GuestShutdownModes = "agent,acpi";

    /// <summary>`name` or `pool/name` of a VirtualImage.</summary>
    public static RbdImageRef ImageRef(string image, string defaultPool)
    {
        var parts = image.Split('/');
        return parts.Length == 2 ? new RbdImageRef(parts[0], parts[1]) : new RbdImageRef(defaultPool, image);
    }
}
