using Mvm.Cluster;
using Mvm.Core;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// <see cref="OsdRemoval"/> resuming from the states an interruption leaves, over a fake cluster
/// whose answers are captured Ceph 16.2.15 / systemd 252 output and which changes state as the
/// real one does (purge removes the OSD, stopping the daemon marks it down, purge refuses while up).
/// </summary>
public class OsdRemovalTests
{
    private const string V = "ceph-16.2.15-";
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    /// <summary>What is true about osd.1 on the cluster and its host.</summary>
    private sealed class World
    {
        public bool Exists = true, In, Up, UnitActive, UnitEnabled, Mounted, DirExists;
        public bool Labelled = true;
    }

    private static string Fixture(string dir, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", dir, name));

    private static ClusterTestHost Host(World w) => new(argv =>
    {
        CommandResult Captured(string f) => CapturedRun.Load(f).As(argv);
        CommandResult Exit(int code, string stdout = "") => ClusterTestHost.Result(argv, code, stdout);
        var line = string.Join(' ', argv);
        switch (line)
        {
            case "ceph --connect-timeout 30 osd tree -f json":
                // Captured trees: osd.1 out and up (right after `osd out`), out and down (daemon
                // stopped), and the cluster with only osd.0 (after the purge).
                return Captured(V + (!w.Exists ? "osd-tree" : w.In ? throw new InvalidOperationException("no capture of osd.1 in") : w.Up ? "osd-tree-one-out-up" : "osd-tree-one-out-down"));
            case "ceph --connect-timeout 30 pg stat -f json": return Captured(V + "pg-stat-active-clean");
            case "ceph --connect-timeout 30 osd safe-to-destroy 1 -f json": return Captured(V + "osd-safe-to-destroy-safe");
            case "ceph --connect-timeout 30 tell osd.1 status -f json":
                // Asked only while the daemon is up; by then its PGs have moved (drained by `out`).
                return w.Up ? Captured(V + "tell-osd-status-no-pgs") : throw new InvalidOperationException("osd.1 is down");
            case "ceph --connect-timeout 30 osd ok-to-stop 1 -f json": return Captured(V + "osd-ok-to-stop-ok");
            case "ceph --connect-timeout 30 osd purge 1 --yes-i-really-mean-it -f json":
                if (w.Up) return Captured(V + "osd-purge-up"); // Ceph: "Error EBUSY: osd.N is not `down`."
                w.Exists = false;
                return Captured(V + "osd-purge");
            case "systemctl disable --now -- ceph-osd@1":
                w.UnitActive = w.UnitEnabled = w.Up = false;
                return Exit(0);
            case "mountpoint -q -- /var/lib/ceph/osd/ceph-1": return Exit(w.Mounted ? 0 : 1);
            case "test -e /var/lib/ceph/osd/ceph-1": return Exit(w.DirExists ? 0 : 1);
            case "umount -- /var/lib/ceph/osd/ceph-1": w.Mounted = false; return Exit(0);
            case "rm -rf -- /var/lib/ceph/osd/ceph-1": w.DirExists = false; return Exit(0);
            case "readlink -e -- /dev/vdc" or "readlink -e -- /dev/loop5": return Exit(0, "/dev/loop5\n");
            case "ceph-volume raw list --format json /dev/loop5": return Captured(w.Labelled ? "ceph-volume-16.2.15-raw-list-device" : "ceph-volume-16.2.15-raw-list-device-wiped");
            case "wipefs -a -q -- /dev/loop5": w.Labelled = false; return Exit(0);
        }
        if (argv is ["systemctl", "show", ..])
        {
            // Captured for ceph-osd@1 stopped and disabled, and for ceph-osd@0 running (renamed to @1 here).
            var show = w.UnitActive ? Fixture("Systemd", "systemctl-252-show-ceph-osd-running.txt").Replace("osd@0", "osd@1").Replace("osd.0", "osd.1")
                : Fixture("Systemd", "systemctl-252-show-ceph-osd-stopped-disabled.txt");
            if (!w.UnitEnabled) show = show.Replace("UnitFileState=enabled", "UnitFileState=disabled");
            return Exit(0, show);
        }
        throw new InvalidOperationException("unexpected command: " + line);
    });

    private static readonly OsdRemoval Removal = new() { PollInterval = TimeSpan.FromMilliseconds(1) };

    private static bool Ran(ClusterTestHost host, string command) => host.Lines.Any(l => l.Contains(command, StringComparison.Ordinal));

    private static int At(ClusterTestHost host, string command) => host.Lines.ToList().FindIndex(l => l.Contains(command, StringComparison.Ordinal));

    [Fact]
    public async Task AfterAnInterruptedOutItDoesNotMarkOutAgainAndFinishesTheRest()
    {
        var w = new World { In = false, Up = true, UnitActive = true, UnitEnabled = true, Mounted = true, DirExists = true };
        var host = Host(w);
        var progress = new List<string>();
        var steps = await Removal.RemoveAsync(new Ceph(host), new RemoteHost(host), 1, null, new Lines(progress),
            Drain, default);

        Assert.False(Ran(host, "osd out"));
        Assert.Equal(new RemovalStep("out", true, "already out"), steps[0]);
        Assert.Equal(["drain", "ok-to-stop", "stop", "purge", "data directory"], steps.Skip(1).Select(s => s.Name));
        Assert.All(steps.Skip(1), s => Assert.False(s.Skipped, s.ToString()));
        // The order that keeps data safe: drained and ok-to-stop before the daemon stops, purge only once it is down, the directory last.
        Assert.True(At(host, "safe-to-destroy") < At(host, "ok-to-stop"));
        Assert.True(At(host, "ok-to-stop") < At(host, "disable --now -- ceph-osd@1"));
        Assert.True(At(host, "disable --now") < At(host, "osd purge 1"));
        Assert.True(At(host, "osd purge 1") < At(host, "umount"));
        Assert.Contains("osd.1: 100% of PGs active+clean", progress);
        Assert.False(w.Exists || w.Up || w.UnitActive || w.UnitEnabled || w.Mounted || w.DirExists);
    }

    [Fact]
    public async Task AfterTheDaemonWasStoppedItOnlyPurgesAndCleansUp()
    {
        var w = new World { In = false, Up = false, Mounted = true, DirExists = true };
        var host = Host(w);
        var steps = await Removal.RemoveAsync(new Ceph(host), new RemoteHost(host), 1, null, null, Drain, default);

        Assert.False(Ran(host, "osd out") || Ran(host, "ok-to-stop") || Ran(host, "disable"));
        Assert.Equal([("out", true), ("drain", false), ("ok-to-stop", true), ("stop", true), ("purge", false), ("data directory", false)],
            steps.Select(s => (s.Name, s.Skipped)));
        Assert.False(w.Exists || w.Mounted || w.DirExists);
    }

    [Fact]
    public async Task AnOsdAlreadyPurgedOnlyGetsItsHostCleanedAndItsDiskWiped()
    {
        var w = new World { Exists = false, DirExists = true };
        var host = Host(w);
        var steps = await Removal.RemoveAsync(new Ceph(host), new RemoteHost(host), 1, "/dev/vdc", null, Drain,
            default);

        Assert.Equal(["ceph --connect-timeout 30 osd tree -f json"], host.Lines.Where(l => l.StartsWith("ceph ", StringComparison.Ordinal)));
        Assert.False(Ran(host, "umount"));
        Assert.Equal([("purge", true), ("stop", true), ("data directory", false), ("wipe", false)], steps.Select(s => (s.Name, s.Skipped)));
        Assert.Equal("wiped /dev/vdc (/dev/loop5); no BlueStore label left", steps[^1].Detail);
        Assert.False(w.DirExists || w.Labelled);

        // Nothing left: a further run changes nothing on the host.
        var again = Host(w);
        Assert.All(await Removal.RemoveAsync(new Ceph(again), new RemoteHost(again), 1, null, null, Drain, default),
            s => Assert.True(s.Skipped, s.ToString()));
        Assert.False(Ran(again, "rm -rf"));
    }

    [Fact]
    public async Task ADeviceCarryingAnotherOsdIsNotWiped()
    {
        // The captured raw list shows osd.1 on /dev/loop5; asked to wipe it for osd.2, the removal refuses.
        var host = new ClusterTestHost(argv => string.Join(' ', argv) switch
        {
            "ceph --connect-timeout 30 osd tree -f json" => CapturedRun.Load(V + "osd-tree").As(argv),
            "readlink -e -- /dev/vdc" or "readlink -e -- /dev/loop5" => ClusterTestHost.Result(argv, 0, "/dev/loop5\n"),
            "ceph-volume raw list --format json /dev/loop5" => CapturedRun.Load("ceph-volume-16.2.15-raw-list-device").As(argv),
            _ when argv is ["systemctl", "show", ..] => ClusterTestHost.Result(argv, 0, Fixture("Systemd", "systemctl-252-show-ceph-osd-stopped-disabled.txt")),
            _ when argv[0] is "mountpoint" or "test" => ClusterTestHost.Result(argv, 1),
            var other => throw new InvalidOperationException("unexpected command: " + other),
        });
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => Removal.RemoveAsync(new Ceph(host),
            new RemoteHost(host), 2, "/dev/vdc", null, Drain, default));
        Assert.StartsWith("/dev/vdc (/dev/loop5) on h3 carries osd.1 (cluster 8061f588-4e8c-45ca-93c1-6b8465267382), not osd.2; it was not wiped.", e.Message);
        Assert.False(Ran(host, "wipefs"));
    }

    [Fact]
    public async Task AHostIsNotRemovedWhileItsBucketHoldsOsds()
    {
        var host = new ClusterTestHost(argv => CapturedRun.Load(V + "osd-tree-3-hosts").As(argv));
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => Removal.RemoveHostAsync(new Ceph(host),
            new RemoteHost(host), "h2", "h2", null, default));
        Assert.Equal("CRUSH host h2 still holds osd.1, osd.2; remove those OSDs (one at a time, OSD-safe) before the host.", e.Message);
        Assert.Single(host.Commands);
    }

    private sealed class Lines(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
