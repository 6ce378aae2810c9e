using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>
/// The argv of the tools that form a monitor: ceph-authtool, monmaptool, ceph-mon --mkfs, and ceph's `-o FILE`
/// commands.
/// </summary>
public class CephBootstrapToolsTests
{
    [Fact]
    public void KeyringsAreMadeAndMergedWithTheirCaps()
    {
        Assert.Equal(["ceph-authtool", "--create-keyring", "/etc/ceph/ceph.client.admin.keyring", "--gen-key", "-n",
            "client.admin",
                "--cap", "mon", "allow *", "--cap", "osd", "allow *"],
            CephKeyrings.Create("/etc/ceph/ceph.client.admin.keyring", "client.admin",
                [("mon", "allow *"), ("osd", "allow *")]).Argv);
        Assert.Equal(["ceph-authtool", "/var/lib/ceph/tmp/mon.keyring", "--import-keyring",
            "/etc/ceph/ceph.client.admin.keyring"],
            CephKeyrings.Import("/var/lib/ceph/tmp/mon.keyring", "/etc/ceph/ceph.client.admin.keyring").Argv);
        Assert.Throws<ArgumentException>(() => CephKeyrings.Create("/k", "-n", []));
        Assert.Throws<ArgumentException>(() => CephKeyrings.Create("k", "mon.", []));
    }

    [Fact]
    public void TheFirstMonmapNamesEachMonitorOnBothPorts()
    {
        Assert.Equal(["monmaptool", "--create", "--fsid", "3c1f6a0e-5b2d-4f8e-9a41-7d2c0b9e6f15",
                "--addv", "h5", "[v2:10.20.1.15:3300,v1:10.20.1.15:6789]", "--addv", "h6",
                    "[v2:10.20.1.16:3300,v1:10.20.1.16:6789]",
                "/var/lib/ceph/tmp/monmap"],
            CephMonStore.CreateMonmap("/var/lib/ceph/tmp/monmap", "3c1f6a0e-5b2d-4f8e-9a41-7d2c0b9e6f15",
                [("h5", "10.20.1.15"), ("h6", "10.20.1.16")]).Argv);
        Assert.Throws<ArgumentException>(() => CephMonStore.CreateMonmap("/m", "f", [("h5", "10.20.1.15,v1:x")]));
    }

    [Fact]
    public void TheMonitorStoreIsMadeAsTheCephUser() =>
        Assert.Equal(["runuser", "-u", "ceph", "--", "ceph-mon", "--mkfs", "-i", "h5", "--monmap",
            "/var/lib/ceph/tmp/monmap", "--keyring", "/var/lib/ceph/tmp/mon.keyring"],
            CephMonStore.Mkfs("h5", "/var/lib/ceph/tmp/monmap", "/var/lib/ceph/tmp/mon.keyring").Argv);

    [Fact]
    public void KeyringsAndMapsGoToFilesOnTheHostWithTheClientsOptions()
    {
        var ceph = new Ceph(Always("ceph-16.2.15-fsid"), new CephContext { ConnectTimeout = TimeSpan.FromSeconds(10) });
        Assert.Equal(["ceph", "--connect-timeout", "10", "auth", "get", "mon.", "-o", "/var/lib/ceph/tmp/mon.keyring"],
            ceph.AuthGetToFileCall("mon.", "/var/lib/ceph/tmp/mon.keyring").Argv);
        Assert.Equal(["ceph", "--connect-timeout", "10", "mon", "getmap", "-o", "/var/lib/ceph/tmp/monmap"],
            ceph.MonGetMapToFileCall("/var/lib/ceph/tmp/monmap").Argv);
        Assert.Equal(["ceph", "--connect-timeout", "30", "auth", "get-or-create", "mgr.h5", "mon", "allow profile mgr",
            "osd", "allow *",
                "-o", "/var/lib/ceph/mgr/ceph-h5/keyring"],
            new Ceph(Always("ceph-16.2.15-fsid"))
                .AuthGetOrCreateToFileCall("mgr.h5", [("mon", "allow profile mgr"), ("osd", "allow *")],
                "/var/lib/ceph/mgr/ceph-h5/keyring").Argv);
    }

    [Fact]
    public void RemovingCephFromAHostPassesDevicesAsArguments()
    {
        var call = CephHostState.RemoveAll(["/dev/vdb", "/dev/disk/by-id/x"]);
        Assert.Equal(["bash", "-c"], call.Argv.Take(2));
        Assert.Equal(["mvm-ceph-remove", "/dev/vdb", "/dev/disk/by-id/x"], call.Argv.Skip(3));
        Assert.DoesNotContain("/dev/vdb", call.Argv[2], StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CephHostState.RemoveAll(["vdb"]));
    }
}
