using System.Text;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Installs what a cluster host runs — QEMU/libvirt, Open vSwitch and, for hci, Ceph — and
/// brings the services up. Idempotent: a converged host costs one dpkg query.
/// </summary>
public static class HostSetup
{
    // qemu-block-extra: qemu-img writes images straight into RBD; curl: VirtualImage downloads on the host.
    public static readonly string[] ComputePackages =
        ["qemu-system-x86", "qemu-utils", "qemu-block-extra", "libvirt-daemon-system", "libvirt-clients",
            "openvswitch-switch", "ovmf", "xorriso", "curl"];

    // udev provides udevadm, which ceph-volume calls to describe devices (minimal images lack it).
    public static readonly string[] CephPackages = ["ceph-mon", "ceph-mgr", "ceph-osd", "ceph-common", "udev",
        "libvirt-daemon-driver-storage-rbd"];

    private static readonly TimeSpan AptTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private const string NoCgroupControllers = "cgroup_controllers = [ ]";
    private const string QemuConf = "/etc/libvirt/qemu.conf";

    public static IReadOnlyList<string> Packages(bool ceph) =>
        ceph ? [.. ComputePackages, .. CephPackages] : ComputePackages;

    public static async Task RunAsync(ClusterNode node, bool ceph, IOperationSteps ctx)
    {
        var host = node.Host;
        var install = await ctx.StepAsync("install packages", node.Name,
            ct => new Apt(host).InstallAsync(Packages(ceph), AptTimeout, ct,
            p => _ = ctx.StatusAsync($"{node.Name}: {p}"), installRecommends: false));
        if (!install.NothingToDo) await ctx.InfoAsync(install.Summary);

        var container = await ctx.StepAsync("detect container", node.Name, async ct =>
            await Systemd.DetectContainer().RunAsync(host, T, ct).ConfigureAwait(false), readOnly: true);
        if (container is { Length: > 0 } && container != "none")
            await ctx.StepAsync("allow libvirt in a container", node.Name, async ct =>
            {
                // Inside a container the cgroup v1 controllers are read-only: QEMU cannot start
                // under libvirt's default cgroup placement.
                if (await HostFiles.ContainsLine(QemuConf, NoCgroupControllers).RunAsync(host, T, ct)
                    .ConfigureAwait(false)) return;
                await HostFiles.Append(QemuConf,
                    Encoding.UTF8.GetBytes($"\n# set by pulumi-resource-mvm: this host is a {container} " +
                        $"container\n{NoCgroupControllers}\n"))
                    .RunAsync(host, T, ct).ConfigureAwait(false);
                await new Systemd(host).RestartAsync("libvirtd", T, ct).ConfigureAwait(false);
                // Done by the provider, nothing left for the user: a note of the file changed, not a warning.
                await ctx.InfoAsync($"{node.Name} is a {container} container: added `{NoCgroupControllers}` to " +
                    $"/etc/libvirt/qemu.conf so QEMU can start");
            });

        await ctx.StepAsync("start libvirt and Open vSwitch", node.Name, async ct =>
        {
            var systemd = new Systemd(host);
            await systemd.EnableAsync("libvirtd", now: true, T, ct).ConfigureAwait(false);
            await systemd.EnableAsync("openvswitch-switch", now: true, T, ct).ConfigureAwait(false);
            await WaitForLibvirtdAsync(host, ct).ConfigureAwait(false);
        });
    }

    private static async Task WaitForLibvirtdAsync(RemoteHost host, CancellationToken ct)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var r = await VirshCalls.Version().RunAsync(host, T, ct).ConfigureAwait(false);
            if (r.ExitCode == 0) return;
            if (DateTime.UtcNow > until) r.EnsureSuccess();
            await Task.Delay(300, ct).ConfigureAwait(false);
        }
    }
}
