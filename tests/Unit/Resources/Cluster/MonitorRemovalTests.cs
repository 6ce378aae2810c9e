using Mvm.Cluster;
using Mvm.Core;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// <see cref="OsdRemoval.RemoveHostAsync"/> for a monitor host, over a fake cluster fed with what
/// the lab's 4-host cluster (Ceph 16.2.15, systemd 252) printed while h5 left: the map of four
/// with the replacement h8 still joining (out of quorum), then h6-h8 after `mon remove h5`. With
/// h8 not yet in quorum, stopping h5 first would leave 2 of 4 monitors and no quorum to commit the
/// removal; leaving the map first keeps 2 of 3. The daemon and data stay while the map still shows it.
/// </summary>
public class MonitorRemovalTests
{
    private const string V = "ceph-16.2.15-";

    private sealed class World
    {
        public bool InMap = true, Running = true, DirsExist = true;
        /// <summary>`mon remove` answers but the map still shows the monitor (a proposal lost in an election).</summary>
        public bool RemoveIsLost;
    }

    private static string Fixture(string dir, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", dir, name));

    private static ClusterTestHost Host(World w) => new(argv =>
    {
        CommandResult Exit(int code, string stdout = "") => ClusterTestHost.Result(argv, code, stdout);
        switch (string.Join(' ', argv))
        {
            case "ceph --connect-timeout 30 osd tree -f json": return CapturedRun.Load(V + "osd-tree-after-replacement").As(argv);
            case "ceph --connect-timeout 30 mon dump -f json": return CapturedRun.Load(V + (w.InMap ? "mon-dump-one-out-of-quorum" : "mon-dump-after-replacement")).As(argv);
            case "ceph --connect-timeout 30 mon remove h5 -f json":
                if (!w.InMap) return CapturedRun.Load(V + "mon-remove-missing").As(argv);
                if (!w.RemoveIsLost) w.InMap = false;
                return Exit(0);
            case "ceph --connect-timeout 30 mgr fail h5 -f json": return w.Running ? throw new InvalidOperationException("mgr fail before the daemon stopped") : Exit(0);
            case "ceph --connect-timeout 30 auth del mgr.h5 -f json": return Exit(0);
            case "find /var/lib/ceph/mon -mindepth 1 -maxdepth 1 -name ceph-* -printf %f\\n": return Exit(w.DirsExist ? 0 : 1, w.DirsExist ? Fixture("Ceph", "findutils-4.9.0-mon-dirs-h5.txt") : "");
            case "systemctl disable --now -- ceph-mon@h5.service" or "systemctl disable --now -- ceph-mgr@h5.service": w.Running = false; return Exit(0);
            case "test -e /var/lib/ceph/mon/ceph-h5" or "test -e /var/lib/ceph/mgr/ceph-h5": return Exit(w.DirsExist ? 0 : 1);
            case "rm -rf -- /var/lib/ceph/mon/ceph-h5 /var/lib/ceph/mgr/ceph-h5": w.DirsExist = false; return Exit(0);
        }
        if (argv is ["systemctl", "show", ..])
        {
            var show = Fixture("Systemd", "systemctl-252-show-ceph-mon-mgr-running.txt");
            return Exit(0, w.Running ? show : show.Replace("ActiveState=active", "ActiveState=inactive").Replace("SubState=running", "SubState=dead")
                .Replace("UnitFileState=enabled", "UnitFileState=disabled"));
        }
        throw new InvalidOperationException("unexpected command: " + string.Join(' ', argv));
    });

    private static int At(ClusterTestHost host, string command) => host.Lines.ToList().FindIndex(l => l.Contains(command, StringComparison.Ordinal));

    [Fact]
    public async Task TheMonitorLeavesTheMapBeforeItsDaemonStopsAndItsDataGoes()
    {
        var w = new World();
        var host = Host(w);
        var steps = await new OsdRemoval { PollInterval = TimeSpan.FromMilliseconds(1) }.RemoveHostAsync(new Ceph(host),
            new RemoteHost(host), "h5", "h5", null, default);

        Assert.Equal(["mon remove", "stop", "mgr fail", "mgr key", "data directories", "crush"], steps.Select(s => s.Name));
        Assert.True(At(host, "mon remove h5") < At(host, "disable --now -- ceph-mon@h5.service"), string.Join("\n", host.Lines));
        // Read back gone between the two.
        var readBack = host.Lines.ToList().FindIndex(At(host, "mon remove h5"), l => l.Contains("mon dump", StringComparison.Ordinal));
        Assert.InRange(readBack, At(host, "mon remove h5") + 1, At(host, "disable --now -- ceph-mon@h5.service") - 1);
        Assert.True(At(host, "disable --now -- ceph-mon@h5.service") < At(host, "rm -rf -- /var/lib/ceph/mon/ceph-h5"));
        Assert.False(w.InMap || w.Running || w.DirsExist);
    }

    [Fact]
    public async Task AMonitorStillInTheMapAfterRemoveKeepsItsDaemonAndData()
    {
        var w = new World { RemoveIsLost = true };
        var host = Host(w);
        var e = await Assert.ThrowsAsync<ProviderException>(() => new OsdRemoval { PollInterval = TimeSpan.FromMilliseconds(1), MonGoneLimit = TimeSpan.FromMilliseconds(50) }
            .RemoveHostAsync(new Ceph(host), new RemoteHost(host), "h5", "h5", null, default));
        Assert.StartsWith("`ceph mon remove h5` returned, but monitor h5 is still in the monitor map (epoch 2", e.Message);
        Assert.True(w.Running && w.DirsExist);
        Assert.DoesNotContain(host.Lines, l => l.StartsWith("systemctl disable", StringComparison.Ordinal) || l.StartsWith("rm ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMonitorTheHostHoldsIsFoundWhenThePlanKnewNone()
    {
        // The plan named no monitor (its map was read under another name); the host's data directory tells.
        var w = new World();
        var host = Host(w);
        var steps = await new OsdRemoval { PollInterval = TimeSpan.FromMilliseconds(1) }.RemoveHostAsync(new Ceph(host),
            new RemoteHost(host), "h5", null, null, default);
        Assert.Contains(steps, s => s is { Name: "mon remove", Skipped: false });
        Assert.False(w.InMap);
    }

    [Fact]
    public async Task ARunAfterAnInterruptionOnlyCleansWhatIsLeft()
    {
        var w = new World { InMap = false };
        var host = Host(w);
        var steps = await new OsdRemoval { PollInterval = TimeSpan.FromMilliseconds(1) }.RemoveHostAsync(new Ceph(host),
            new RemoteHost(host), "h5", "h5", null, default);
        Assert.Contains(steps, s => s is { Name: "mon remove", Skipped: true });
        Assert.DoesNotContain(host.Lines, l => l.Contains("mon remove", StringComparison.Ordinal));
        Assert.False(w.Running || w.DirsExist);
    }

    [Fact]
    public void ThePlannedMonitorComesFirstAndEachNameOnce() =>
        Assert.Equal(["h5", "a", "z"], OsdRemoval.MonitorsToRemove("h5", ["z", "h5", "a"]));
}
