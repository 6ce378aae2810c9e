using System.Globalization;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>Preflight of the machine itself: OS release, CPU architecture, virtualisation and memory.</summary>
internal static class PreflightMachine
{
    /// <summary>
    /// The releases the provider installs packages for (its apt package names and Ceph versions follow them).
    /// </summary>
    public static readonly IReadOnlyList<(string Id, string Version)> SupportedOs = [("ubuntu", "22.04"),
        ("ubuntu", "24.04"), ("debian", "12")];

    private const double GiB = 1024d * 1024 * 1024;

    // MemTotal is what is left after the firmware and kernel reserve their part (a few percent,
    // more with a crash kernel), so a "4 GiB" machine reports about 3.8 GiB; it is held to 90 %
    // of the requirement rather than failing a minimum it physically meets.
    private const double MemTotalShare = 0.9;

    public static void Check(HostFactsResult facts, PreflightRequirements req, int dataDevices, PreflightFindings found)
    {
        var n = found.Host;
        if (!SupportedOs.Contains((facts.Os.Id, facts.Os.VersionId)))
        {
            var what = facts.Os.PrettyName.Length > 0 ? facts.Os.PrettyName : $"{facts.Os.Id} {facts.Os.VersionId}";
            found.Problem($"Host {n} runs {what}; cluster hosts must run Ubuntu 22.04, Ubuntu 24.04 or Debian 12. " +
                $"Reinstall it with one of them or remove it from `hosts`.");
        }
        if (facts.Architecture != "x86_64")
            found.Problem($"Host {n} has the CPU architecture {facts.Architecture}; cluster hosts must be 64-bit x86 " +
                $"(x86_64, Intel or AMD). Use another machine for it.");
        CheckVirtualization(facts, req, found);
        CheckMemory(facts, req, dataDevices, found);
    }

    private static void CheckVirtualization(HostFactsResult facts, PreflightRequirements req, PreflightFindings found)
    {
        var n = found.Host;
        var flags = facts.Cpu.HardwareVirtualization;
        if (req.DomainType == DomainType.Kvm)
        {
            if (!flags)
                found.Problem($"Host {n} has no hardware virtualisation: its CPU shows neither vmx (Intel VT-x) nor " +
                    $"svm (AMD-V) in /proc/cpuinfo, so domainType kvm cannot run VMs on it. " +
                    "Enable virtualisation in the firmware (or nested virtualisation on the hypervisor it runs " +
                        "under), or set `domainType: qemu` on the cluster to emulate VMs in software (much slower).");
            else if (!facts.KvmDevice)
                found.Problem($"Host {n} has CPU virtualisation ({(facts.Cpu.Vmx ? "vmx" : "svm")}) but no /dev/kvm: " +
                    $"the kvm module is not loaded, or virtualisation is disabled in the firmware (see `dmesg | grep " +
                    $"-i kvm`). " +
                    $"Load it with `modprobe {(facts.Cpu.Vmx ? "kvm_intel" : "kvm_amd")}`, or set `domainType: qemu` " +
                        $"on the cluster to emulate VMs in software (much slower).");
            return;
        }
        // domainType qemu on a host without usable KVM is the program's deliberate choice and
        // there is nothing to do about it: only a host that could run KVM is worth a warning.
        if (flags && facts.KvmDevice)
            found.Warning($"Host {n} supports KVM, but domainType is qemu: its VMs will be emulated in software. Set " +
                $"`domainType: kvm` for hardware virtualisation.");
    }

    private static void CheckMemory(HostFactsResult facts, PreflightRequirements req, int dataDevices,
        PreflightFindings found)
    {
        var osds = req.Ceph ? dataDevices : 0;
        var requiredGiB = (long)req.MinimumMemoryGiB + (long)req.MemoryPerOsdGiB * osds;
        if (facts.Memory.TotalBytes >= requiredGiB * GiB * MemTotalShare) return;
        var has = (facts.Memory.TotalBytes / GiB).ToString("0.#", CultureInfo.InvariantCulture);
        var n = found.Host;
        found.Problem(osds > 0
            ? $"Host {n} has {has} GiB of memory but needs at least {requiredGiB} GiB: minimumMemoryGiB " +
                $"{req.MinimumMemoryGiB} + memoryPerOsdGiB {req.MemoryPerOsdGiB} × {osds} data " +
                $"device{(osds == 1 ? "" : "s")} (one Ceph OSD each). " +
              "Add memory or declare fewer data devices; for a small lab, lower `minimumMemoryGiB` and " +
                  "`memoryPerOsdGiB` on the cluster."
            : $"Host {n} has {has} GiB of memory but needs at least {requiredGiB} GiB (minimumMemoryGiB). Add " +
                $"memory; for a small lab, lower `minimumMemoryGiB` on the cluster.");
    }
}
