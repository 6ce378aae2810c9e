using System.Diagnostics;
using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// Test setup for the Virsh lab tests: makes a bare lab host able to run libvirt domains, through
/// the same Apt and Systemd clients the provider will use. The cluster issue will do this from
/// the provider itself; until then this is the smallest version of it, kept out of the tests so
/// they read as what they prove.
/// </summary>
internal static class LibvirtLabSetup
{
    /// <summary>
    /// libvirt and QEMU; the RBD storage backend (pool definitions of type rbd); Open vSwitch, so
    /// NICs with VLAN tags can be plugged for real.
    /// </summary>
    public static readonly string[] Packages =
        ["libvirt-daemon-system", "qemu-system-x86", "qemu-utils", "libvirt-daemon-driver-storage-rbd", "openvswitch-switch"];

    private static readonly TimeSpan AptTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    /// <summary>What the last <see cref="EnsureAsync"/> did and how long it took, for the test log.</summary>
    public static string Report { get; private set; } = "";

    /// <summary>Installs what is missing (one read-only round trip when all is there), then applies the container quirk.</summary>
    public static async Task EnsureAsync(IHost host, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        var install = await new Apt(host).InstallAsync(Packages, AptTimeout, ct);
        var installed = sw.Elapsed;
        var quirk = await AllowNoCgroupControllersAsync(host, ct);
        // libvirtd loads its storage backends at start: one installed after it came up (the RBD
        // driver here) is only seen after a restart. The quirk's restart covers a fresh install.
        if (!install.NothingToDo && !quirk) await new Systemd(host).RestartAsync("libvirtd", T, ct);
        await WaitForLibvirtdAsync(host, ct);
        Report = (install.NothingToDo ? "packages already installed" : $"{install.Summary} in {installed.TotalSeconds:F1} s") +
                 (quirk ? "; set cgroup_controllers = [ ] and restarted libvirtd" : "; cgroup quirk already applied") +
                 $"; setup total {sw.Elapsed.TotalSeconds:F1} s";
    }

    /// <summary>
    /// Inside the lab's containers the cgroup v1 hierarchies are read-only, and QEMU domains fail
    /// to start with "Failed to create v1 controller cpu … Read-only file system" unless libvirt
    /// is told to use no controllers. Real hosts do not need this. Returns whether it changed anything.
    /// </summary>
    public static async Task<bool> AllowNoCgroupControllersAsync(IHost host, CancellationToken ct = default)
    {
        const string Line = "cgroup_controllers = [ ]";
        var present = await host.RunAsync(["grep", "-qxF", Line, "/etc/libvirt/qemu.conf"], null, T, ct);
        if (present.ExitCode == 0) return false;
        var text = "\n# mvm lab: the container's cgroup v1 hierarchies are read-only\n" + Line + "\n";
        await host.RunCheckedAsync(["tee", "-a", "/etc/libvirt/qemu.conf"], T, ct, Encoding.UTF8.GetBytes(text));
        await new Systemd(host).RestartAsync("libvirtd", T, ct);
        return true;
    }

    private static async Task WaitForLibvirtdAsync(IHost host, CancellationToken ct)
    {
        // The socket may lag the unit's start by a moment.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var r = await host.RunAsync(["virsh", "-c", "qemu:///system", "version"], null, T, ct);
            if (r.ExitCode == 0) return;
            if (DateTime.UtcNow > until) r.EnsureSuccess();
            await Task.Delay(200, ct);
        }
    }
}
