using System.Text;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// Lab host h1 as captured (Debian 12, 2 CPUs, 23.5 GiB, no vmx/svm, no /dev/kvm; eth0
/// 10.20.0.11/24, eth1 10.20.1.11/24, eth2 without address; /dev/vdb → /dev/loop0 and /dev/vdc →
/// /dev/loop1, both blank), answering the preflight's reads from the fixtures. Each test changes
/// only what its case is about, e.g. the blkid output of one device.
/// </summary>
internal sealed class PreflightTestHost
{
    public static string Fixture(string tool, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", tool, name));

    public string OsRelease { get; set; } = Fixture("HostFacts", "os-release-debian-12");
    public string CpuInfo { get; set; } = Fixture("HostFacts", "cpuinfo-x86_64-linux-6.18");
    public string MemInfo { get; set; } = Fixture("HostFacts", "meminfo-linux-6.18");
    public string Lsblk { get; set; } = Fixture("HostFacts", "lsblk-util-linux-2.38.1.json");
    public string IpAddr { get; set; } = Fixture("HostFacts", "ip-addr-iproute2-6.1.0.json");
    public string Uname { get; set; } = Fixture("HostFacts", "uname-linux-6.18");
    public string Swaps { get; set; } = Fixture("HostFacts", "proc-swaps-linux-6.18-empty");
    public bool DevKvm { get; set; }

    /// <summary>Device path → what `readlink -e` prints; a path not here does not exist.</summary>
    public Dictionary<string, string> Links { get; } = new() { ["/dev/vdb"] = "/dev/loop0", ["/dev/vdc"] = "/dev/loop1" };

    /// <summary>Kernel paths that exist but are not block devices.</summary>
    public HashSet<string> NotBlockDevices { get; } = [];

    /// <summary>Device path → `blkid -p -o export` output (exit 0); a path not here has no signature (exit 2).</summary>
    public Dictionary<string, string> Blkid { get; } = [];

    /// <summary>Name → `getent ahosts` output; a name not here does not resolve (exit 2).</summary>
    public Dictionary<string, string> Getent { get; } = [];

    /// <summary>The captured `ceph-volume raw list` run to answer with; null: ceph-volume is not installed.</summary>
    public string? CephVolumeRawList { get; set; }

    public ScriptedHost Build(string name = "h1") => new(argv => Task.FromResult(Answer(name, argv)), name);

    private CommandResult Answer(string name, IReadOnlyList<string> argv)
    {
        CommandResult Reply(int exit, string stdout = "", string stderr = "") =>
            new(name, argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));
        string? Kernel(string path) => Links.TryGetValue(path, out var k) ? k : Links.ContainsValue(path) ? path : null;

        return argv switch
        {
            ["cat", "/etc/os-release"] => Reply(0, OsRelease),
            ["cat", "/proc/cpuinfo"] => Reply(0, CpuInfo),
            ["cat", "/proc/meminfo"] => Reply(0, MemInfo),
            ["cat", "/proc/swaps"] => Reply(0, Swaps),
            ["lsblk", ..] => Reply(0, Lsblk),
            ["ip", "-j", "addr", "show"] => Reply(0, IpAddr),
            ["uname", "-nrm"] => Reply(0, Uname),
            ["test", "-c", "/dev/kvm"] => Reply(DevKvm ? 0 : 1),
            ["readlink", "-e", "--", var p] => Kernel(p) is { } k ? Reply(0, k + "\n") : Reply(1),
            ["test", "-b", var p] => Kernel(p) is { } k && !NotBlockDevices.Contains(k) ? Reply(0) : Reply(1),
            ["blkid", "-p", "-o", "export", "--", var p] => Blkid.TryGetValue(p, out var b) ? Reply(0, b) : Reply(2),
            ["getent", "ahosts", "--", var n] => Getent.TryGetValue(n, out var g) ? Reply(0, g) : Reply(2),
            ["ceph-volume", "raw", "list", "--format", "json", _] => CephVolumeRawList is { } f
                ? CapturedRun.Load(f).As(argv, name)
                : Reply(127, "", "bash: line 1: ceph-volume: command not found\n"),
            _ => throw new InvalidOperationException("the preflight ran a command the test host does not know: " + PosixQuote.Join(argv)),
        };
    }
}
