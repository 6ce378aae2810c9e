using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// A VM's memory as libvirt counts it (KiB), from the MiB its inputs declare: the maximum it boots
/// with (`maxMemoryMiB`, else `memoryMiB`) and the current size (`memoryMiB`). Placement, the
/// domain spec and update read both here, so they agree on the sizes and on the default taken
/// when `memoryMiB` is absent (Check requires it; only an input not yet checked has none).
/// </summary>
public static class VmMemory
{
    public const int DefaultMiB = 512;

    public static long MaximumKiB(VirtualMachineArgs a) =>
        LibvirtUnits.MiBToKiB(a.MaxMemoryMiB ?? a.MemoryMiB ?? DefaultMiB);

    public static long CurrentKiB(VirtualMachineArgs a) => LibvirtUnits.MiBToKiB(a.MemoryMiB ?? DefaultMiB);
}
