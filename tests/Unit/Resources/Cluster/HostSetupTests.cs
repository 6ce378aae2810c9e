using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// HostSetup on a converged systemd-nspawn host like the lab's (packages installed, as dpkg-query
/// answers there): what it tells the user about the libvirt setting it makes for containers.
/// </summary>
public sealed class HostSetupTests
{
    private sealed record Run(ClusterTestHost Host, List<string> Log);

    private static async Task<Run> SetUpAsync(bool settingPresent)
    {
        var host = new ClusterTestHost(argv => argv[0] switch
        {
            "dpkg-query" => ClusterTestHost.Result(argv, 0, string.Concat(argv.SkipWhile(a => a != "--").Skip(1).Select(p => $"ii \t{p}\t1.0\n"))),
            "find" => ClusterTestHost.Result(argv, 0, "1795240000.5\tdeb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages\n"),
            "date" => ClusterTestHost.Result(argv, 0, "1795240100\n"),
            "systemd-detect-virt" => ClusterTestHost.Result(argv, 0, "systemd-nspawn\n"),
            "grep" => ClusterTestHost.Result(argv, settingPresent ? 0 : 1),
            _ => ClusterTestHost.Result(argv, 0),
        }, "h1");
        var log = new List<string>();
        var ctx = new OperationContext("create", "mvm:index:MvmCluster", "cluster", "urn", false, Mvm.Framework.Config.ConfigLoader.Defaults(_ => null),
            new EngineLog(null, line => { lock (log) log.Add(line); }), new SecretScrubber(), CancellationToken.None, null);
        var report = new HostReport("h1", "h1", "debian", "12", 24L << 30, 2, false, false, "eth0", "eth1", "eth2",
            new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, string>(), new Dictionary<string, int>(), [], []);
        await HostSetup.RunAsync(new ClusterNode(new MemberHost { Name = "h1", Address = "10.20.0.11" },
            new RemoteHost(host), report), ceph: true, ctx);
        return new Run(host, log);
    }

    [Fact]
    public async Task TheCgroupSettingTheProviderMakesInAContainerIsANoteNotAWarning()
    {
        var run = await SetUpAsync(settingPresent: false);
        // The provider appended the setting and restarted libvirtd itself: nothing is left for the user to do.
        Assert.Contains(run.Host.Lines, l => l == "tee -a /etc/libvirt/qemu.conf");
        Assert.Contains(run.Host.Lines, l => l == "systemctl restart -- libvirtd");
        Assert.DoesNotContain(run.Log, l => l.StartsWith("[Warning]", StringComparison.Ordinal));
        Assert.Contains(run.Log, l => l.StartsWith("[Info]", StringComparison.Ordinal) && l.Contains("added `cgroup_controllers = [ ]` to /etc/libvirt/qemu.conf", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASecondRunOnTheSameContainerSaysNothingAboutIt()
    {
        var run = await SetUpAsync(settingPresent: true);
        Assert.DoesNotContain(run.Host.Lines, l => l.StartsWith("tee ", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Log, l => l.Contains("cgroup_controllers", StringComparison.Ordinal));
    }
}
