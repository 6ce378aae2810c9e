using Mvm.Cluster;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// MvmCluster's inputs as the cluster layer's settings, and back into the connect string with the
/// words clusters already carry; an MvmHost gets the same settings from that connect string.
/// </summary>
public class ClusterSettingsTests
{
    private static MvmClusterArgs Args() => new()
    {
        Name = "lab",
        Hosts = [new ClusterHost { Name = "h1", Address = "10.20.0.16", DataDevices = ["/dev/vdb"], SshPort = 2222 }],
        ComputeVlans = ["22-23"],
    };

    [Fact]
    public void AbsentInputsTakeTheSchemasDefaults()
    {
        var s = MvmCluster.SettingsOf(Args());
        Assert.Equal((ClusterLayout.Hci, DomainType.Kvm, OvsDatapath.System), (s.Layout, s.DomainType, s.OvsDatapath));
        Assert.Equal(("mvm-vms", "br-mvm", "host-model"), (s.VmPool, s.OvsBridge, s.CpuModel));
        Assert.Equal((4, 4, 3, (int?)null), (s.MinimumMemoryGiB, s.MemoryPerOsdGiB, s.PoolSize, s.PoolMinSize));
        Assert.Empty(s.CephConfig);
        // The schema's defaults are the cluster layer's constants.
        Assert.Equal((MvmClusterArgs.DefaultVmPool, MvmClusterArgs.DefaultBridge), (ClusterSettings.DefaultVmPool, ClusterSettings.DefaultBridge));
    }

    [Fact]
    public void TheConnectStringCarriesTheWordsAndTheDeclaredHosts()
    {
        var a = Args();
        a.Layout = ClusterLayout.Standard;
        a.DomainType = DomainType.Qemu;
        a.OvsDatapath = OvsDatapath.Netdev;
        var info = MvmCluster.InfoOf(a, "fc140e0b-c512-4620-91cd-62f3d1409b4f", "08ef849f-ee62-4c36-be76-6a47cb994053");
        Assert.Equal(("standard", "qemu", "netdev", ""), (info.Layout, info.DomainType, info.OvsDatapath, info.Fsid));
        Assert.Equal([22, 23], info.ComputeVlanIds);
        Assert.Equal(("h1", 2222), (info.Hosts[0].Name, info.Hosts[0].SshPort));

        var hci = MvmCluster.InfoOf(Args(), "fc140e0b-c512-4620-91cd-62f3d1409b4f", "08ef849f-ee62-4c36-be76-6a47cb994053");
        Assert.Equal(("hci", "kvm", "system", "fc140e0b-c512-4620-91cd-62f3d1409b4f"), (hci.Layout, hci.DomainType, hci.OvsDatapath, hci.Fsid));
    }

    [Fact]
    public void AHostJoiningThroughTheConnectStringGetsTheClustersSettings()
    {
        var a = Args();
        a.DomainType = DomainType.Qemu;
        a.CpuModel = "EPYC-Rome";
        a.MinimumMemoryGiB = 2;
        var joined = ConnectString.Decode(ConnectString.Encode(MvmCluster.InfoOf(a, "id", "uuid"))).Settings;
        var declared = MvmCluster.SettingsOf(a);
        Assert.Equal((declared.Layout, declared.DomainType, declared.OvsDatapath, declared.CpuModel, declared.VmPool, declared.OvsBridge),
            (joined.Layout, joined.DomainType, joined.OvsDatapath, joined.CpuModel, joined.VmPool, joined.OvsBridge));
        Assert.Equal((declared.MinimumMemoryGiB, declared.MemoryPerOsdGiB), (joined.MinimumMemoryGiB, joined.MemoryPerOsdGiB));
    }
}
