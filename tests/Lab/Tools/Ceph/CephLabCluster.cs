using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools.CephClients;

/// <summary>
/// Test setup, not provider code: a minimal single-host Ceph cluster on lab host h3 (one monitor,
/// one manager, one BlueStore OSD on /dev/vdb), built the manual-deployment way so the Ceph, Rbd
/// and CephVolume clients have a real cluster to talk to. The cluster issue builds clusters from
/// the provider itself; this stays the smallest thing that gives HEALTH_OK.
/// <para>
/// Re-runnable: a cluster this helper built (its fsid is in <see cref="Marker"/>) that answers with
/// an OSD up is reused in about a second; anything else on h3 (half-built, rebooted, a lab rebuilt
/// from scratch) is torn down and bootstrapped again. Keys are generated on h3 by ceph-authtool
/// into keyring files and never leave it.
/// </para>
/// </summary>
internal static class CephLabCluster
{
    public const string Marker = "/etc/ceph/mvm-lab-test-cluster";
    public const string DataDevice = "/dev/vdb";
    /// <summary>The second data disk, left blank for tests that add and remove an OSD.</summary>
    public const string SpareDevice = "/dev/vdc";

    /// <summary>
    /// udev for udevadm, which ceph-volume calls to describe devices (a minbase host has none;
    /// every real server does). ceph-volume itself ships in Debian's ceph-osd package.
    /// </summary>
    public static readonly string[] Packages = ["ceph-mon", "ceph-mgr", "ceph-osd", "udev"];

    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AptTimeout = TimeSpan.FromMinutes(10);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Cluster? _ready;

    /// <summary>The cluster the tests run against.</summary>
    public sealed record Cluster(string Fsid, int OsdId, string OsdKernelDevice, string MonName, string MonIp, string Setup);

    /// <summary>Makes sure the cluster is there and healthy; the first call of a test run does the work.</summary>
    public static async Task<Cluster> EnsureAsync(LabFixture lab, IHost host, ITestOutputHelper output)
    {
        await Gate.WaitAsync();
        try
        {
            // Another test of this run already checked it; a quick status keeps that honest.
            if (_ready is not null && await AnsweringFsidAsync(host) == _ready.Fsid) return Log(output, _ready with { Setup = "built or checked earlier in this run" });
            _ready = await BuildOrReuseAsync(lab, host, output);
            return Log(output, _ready);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Cluster Log(ITestOutputHelper output, Cluster c)
    {
        output.WriteLine($"ceph test cluster on h3: fsid {c.Fsid}, osd.{c.OsdId} on {c.OsdKernelDevice} ({c.Setup})");
        return c;
    }

    private static async Task<Cluster> BuildOrReuseAsync(LabFixture lab, IHost host, ITestOutputHelper output)
    {
        var clock = Stopwatch.StartNew();
        var monName = lab.H3.Name;
        var monIp = lab.H3.Storage;
        var ceph = new Ceph(host, new CephContext { ConnectTimeout = TimeSpan.FromSeconds(5) });
        var volume = new CephVolume(host);

        var fsid = await HealthyFsidAsync(host);
        if (fsid is not null)
        {
            var marker = (await host.RunAsync(["cat", Marker], null, T, default)).StdoutText.Trim();
            var mine = (await volume.RawListAsync(DataDevice, default)).FirstOrDefault(o => o.ClusterFsid == fsid);
            if (marker == fsid && mine is not null && (await ceph.OsdTreeAsync(default)).FindOsd(mine.OsdId) is { Up: true })
                return new Cluster(fsid, mine.OsdId, mine.Device, monName, monIp, $"reused, checked in {clock.Elapsed.TotalSeconds:F1} s");
        }

        var steps = new StringBuilder();
        void Step(string what) => steps.Append($"{what} {clock.Elapsed.TotalSeconds:F1} s; ");

        // The lab's hosts start with empty package indexes, like fresh cloud images; the Apt client
        // updates them when needed and installs only what is missing.
        var install = await new Apt(host).InstallAsync(Packages, AptTimeout, default, installRecommends: false);
        if (install.NewlyInstalled.Count > 0) Step($"installed {string.Join(' ', install.NewlyInstalled.Select(p => p.Name))}:");

        await TearDownAsync(host, DataDevice, SpareDevice);
        Step("cleared old state:");

        fsid = (await host.RunCheckedAsync(["uuidgen"], T, default)).StdoutText.Trim();
        var script = new RemoteScript()
            .Add(["install", "-d", "-m", "0755", "/etc/ceph"])
            .Add(["install", "-m", "0644", "/dev/stdin", "/etc/ceph/ceph.conf"], Encoding.UTF8.GetBytes(Conf(fsid, monName, monIp, StorageCidr(lab))))
            .Add(["ceph-authtool", "--create-keyring", "/etc/ceph/ceph.client.admin.keyring", "--gen-key", "-n", "client.admin",
                  "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mds", "allow *", "--cap", "mgr", "allow *"])
            .Add(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", "/var/lib/ceph/bootstrap-osd", "/var/lib/ceph/tmp", $"/var/lib/ceph/mon/ceph-{monName}",
                  $"/var/lib/ceph/mgr/ceph-{monName}"])
            .Add(["ceph-authtool", "--create-keyring", "/var/lib/ceph/bootstrap-osd/ceph.keyring", "--gen-key", "-n", "client.bootstrap-osd",
                  "--cap", "mon", "profile bootstrap-osd", "--cap", "mgr", "allow r"])
            .Add(["ceph-authtool", "--create-keyring", "/var/lib/ceph/tmp/mon.keyring", "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"])
            .Add(["ceph-authtool", "/var/lib/ceph/tmp/mon.keyring", "--import-keyring", "/etc/ceph/ceph.client.admin.keyring"])
            .Add(["ceph-authtool", "/var/lib/ceph/tmp/mon.keyring", "--import-keyring", "/var/lib/ceph/bootstrap-osd/ceph.keyring"])
            .Add(["monmaptool", "--create", "--addv", monName, $"[v2:{monIp}:3300,v1:{monIp}:6789]", "--fsid", fsid, "/var/lib/ceph/tmp/monmap"])
            .Add(["chown", "ceph:ceph", "/var/lib/ceph/tmp/mon.keyring", "/var/lib/ceph/tmp/monmap", "/var/lib/ceph/bootstrap-osd/ceph.keyring"])
            .Add(["runuser", "-u", "ceph", "--", "ceph-mon", "--mkfs", "-i", monName, "--monmap", "/var/lib/ceph/tmp/monmap", "--keyring", "/var/lib/ceph/tmp/mon.keyring"])
            .Add(["rm", "-f", "/var/lib/ceph/tmp/mon.keyring", "/var/lib/ceph/tmp/monmap"])
            .Add(["systemctl", "enable", "--now", $"ceph-mon@{monName}"])
            // In the configuration database, not ceph.conf (which would override it), so the pool
            // tests can switch it off and prove the client puts it back.
            .Add(["ceph", "--connect-timeout", "30", "config", "set", "mon", "mon_allow_pool_delete", "true"])
            // The script runs with umask 077: the manager's keyring is created 0600.
            .Add(["ceph", "auth", "get-or-create", $"mgr.{monName}", "mon", "allow profile mgr", "osd", "allow *", "mds", "allow *",
                  "-o", $"/var/lib/ceph/mgr/ceph-{monName}/keyring"])
            .Add(["chown", "ceph:ceph", $"/var/lib/ceph/mgr/ceph-{monName}/keyring"])
            .Add(["systemctl", "enable", "--now", $"ceph-mgr@{monName}"]);
        (await script.RunAsync(host, TimeSpan.FromMinutes(3), default)).EnsureSuccess();
        Step("mon and mgr up:");

        // The production-like path, through the client under test: raw BlueStore on the data disk.
        var osd = await volume.RawPrepareAsync(new RawPrepareOptions(DataDevice), default);
        await volume.RawActivateAsync(DataDevice, noTmpfs: false, default);
        await host.RunCheckedAsync(["systemctl", "enable", "--now", $"ceph-osd@{osd.OsdId}"], T, default);
        await host.RunCheckedAsync(["install", "-m", "0644", "/dev/stdin", Marker], T, default, Encoding.UTF8.GetBytes(fsid + "\n"));
        Step($"osd.{osd.OsdId} on {osd.Device} prepared and started:");

        await WaitHealthyAsync(ceph, TimeSpan.FromSeconds(120));
        Step("HEALTH_OK:");
        output.WriteLine("ceph test cluster bootstrap: " + steps.ToString().TrimEnd(' ', ';'));
        return new Cluster(fsid, osd.OsdId, osd.Device, monName, monIp, "bootstrapped: " + steps.ToString().TrimEnd(' ', ';'));
    }

    /// <summary>
    /// ceph.conf for a one-host lab cluster. Two lab-only settings keep it at HEALTH_OK: with one
    /// OSD every pool has size 1 (POOL_NO_REDUNDANCY), and the hosts share the machine's disk,
    /// which is fuller than the monitors' 30 % free warning level (MON_DISK_LOW).
    /// </summary>
    private static string Conf(string fsid, string mon, string ip, string cidr) => $"""
        [global]
        fsid = {fsid}
        mon_initial_members = {mon}
        mon_host = {ip}
        public_network = {cidr}
        auth_cluster_required = cephx
        auth_service_required = cephx
        auth_client_required = cephx
        auth_allow_insecure_global_id_reclaim = false
        osd_pool_default_size = 1
        osd_pool_default_min_size = 1
        osd_crush_chooseleaf_type = 0
        mon_warn_on_pool_no_redundancy = false
        mon_data_avail_warn = 5

        """;

    private static string StorageCidr(LabFixture lab)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.OutDir, "hosts.json")));
        return doc.RootElement.GetProperty("networks").GetProperty("storage").GetProperty("cidr").GetString()!;
    }

    /// <summary>The cluster's fsid when the CLI answers with HEALTH_OK and at least one OSD up; otherwise null.</summary>
    private static async Task<string?> HealthyFsidAsync(IHost host)
    {
        try
        {
            var s = await new Ceph(host, new CephContext { ConnectTimeout = TimeSpan.FromSeconds(5) }).StatusAsync(default);
            return s.Health.IsOk && s.OsdMap.NumUpOsds >= 1 ? s.Fsid : null;
        }
        catch (Exception e) when (e is CephUnreachableException or ToolMissingException or RemoteCommandFailedException)
        {
            return null;
        }
    }

    /// <summary>The fsid when the CLI answers with at least one OSD up, whatever the health (a test may have just made it warn).</summary>
    private static async Task<string?> AnsweringFsidAsync(IHost host)
    {
        try
        {
            var s = await new Ceph(host, new CephContext { ConnectTimeout = TimeSpan.FromSeconds(5) }).StatusAsync(default);
            return s.OsdMap.NumUpOsds >= 1 ? s.Fsid : null;
        }
        catch (Exception e) when (e is CephUnreachableException or ToolMissingException or RemoteCommandFailedException)
        {
            return null;
        }
    }

    private static async Task WaitHealthyAsync(Ceph ceph, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var s = await ceph.StatusAsync(default);
            if (s.Health.IsOk && s.OsdMap.NumUpOsds >= 1 && s.Pgs.AllActiveClean) return;
            if (clock.Elapsed > limit)
                throw new TimeoutException($"the lab Ceph cluster on h3 is not HEALTH_OK after {limit.TotalSeconds} s: {await ceph.HealthDetailAsync(default)}; {s.Pgs.Describe()}");
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Stops every Ceph daemon on the host and removes all cluster state, then wipes the data
    /// disks' signatures (a BlueStore label would make ceph-volume skip the device). A fixed
    /// script: the devices arrive as positional parameters.
    /// </summary>
    public static async Task TearDownAsync(IHost host, params string[] devices)
    {
        const string script = """
            systemctl stop ceph.target ceph-mon.target ceph-mgr.target ceph-osd.target 2>/dev/null
            for u in $(systemctl list-units --all --plain --no-legend 'ceph-*@*' | awk '{print $1}'); do systemctl stop "$u"; done
            rm -f /etc/systemd/system/ceph-mon.target.wants/ceph-mon@*.service /etc/systemd/system/ceph-mgr.target.wants/ceph-mgr@*.service \
                  /etc/systemd/system/ceph-osd.target.wants/ceph-osd@*.service
            systemctl daemon-reload
            systemctl reset-failed 2>/dev/null
            for m in $(findmnt -rn -o TARGET | grep '^/var/lib/ceph/osd/'); do umount "$m" || exit 1; done
            rm -rf /var/lib/ceph/mon/* /var/lib/ceph/mgr/* /var/lib/ceph/osd/* /var/lib/ceph/bootstrap-osd/* /var/lib/ceph/tmp/*
            rm -f /etc/ceph/ceph.conf /etc/ceph/*.keyring /etc/ceph/mvm-lab-test-cluster
            for d in "$@"; do wipefs -a -q "$(readlink -e "$d")" || exit 1; done
            """;
        await host.RunCheckedAsync(["bash", "-c", script, "mvm-ceph-teardown", .. devices], T, default);
    }
}
