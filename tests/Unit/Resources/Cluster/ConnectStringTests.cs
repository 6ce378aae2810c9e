using Mvm.Cluster;
using Mvm.Framework.Config;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;

namespace Mvm.Tests.Unit.Resources.Cluster;

public class ConnectStringTests
{
    private static ClusterInfo Info() => new()
    {
        Name = "lab", Fsid = "fc140e0b-c512-4620-91cd-62f3d1409b4f", Layout = "hci", DomainType = "qemu", OvsDatapath = "netdev",
        LibvirtSecretUuid = "08ef849f-ee62-4c36-be76-6a47cb994053", ComputeVlanIds = [1, 22],
        Hosts =
        [
            new MemberHost { Name = "h1", Address = "10.20.0.16", SshPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", DataDevices = ["/dev/vdb"] },
            new MemberHost { Name = "h2", Address = "10.20.0.17", SshPort = 2222 },
        ],
    };

    [Fact]
    public void RoundTripsEverySetting()
    {
        var text = ConnectString.Encode(Info());
        Assert.StartsWith("mvm1.", text);
        Assert.DoesNotContain("=", text); // base64url without padding survives YAML and URLs unquoted
        var back = ConnectString.Decode(text);
        Assert.Equal("fc140e0b-c512-4620-91cd-62f3d1409b4f", back.Fsid);
        Assert.Equal([1, 22], back.ComputeVlanIds);
        Assert.Equal("qemu", back.DomainType);
        Assert.Equal(2222, back.Hosts[1].SshPort);
        Assert.Equal(Info().Hosts[0].SshPrivateKey, back.Hosts[0].SshPrivateKey);
        Assert.True(back.IsHci);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("ceph://replace-me", "starts with `mvm1.`")]
    [InlineData("mvm1.%%%", "does not decode")]
    [InlineData("mvm1.e30", "no cluster name or hosts")] // "{}"
    public void RefusesWhatIsNotAConnectString(string value, string fragment)
    {
        Assert.False(ConnectString.TryDecode(value, out _, out var error));
        Assert.Contains(fragment, error);
    }

    [Fact]
    public void RefusesAnotherVersionNamingBoth()
    {
        var info = Info();
        info.Version = 7;
        Assert.False(ConnectString.TryDecode(ConnectString.Encode(info), out _, out var error));
        Assert.Contains("version 7", error);
        Assert.Contains("upgrade the provider", error);
    }

    [Fact]
    public void MemberRegistryEntriesCarryNoSecrets()
    {
        var host = new MemberHost
        {
            Name = "h4", Address = "10.20.0.14", SshPassword = "hunter2", SshPrivateKey = "KEYTEXT", HostKey = "ssh-ed25519 AAAA",
            JumpHosts = [new MemberJumpHost { Address = "bastion", PrivateKey = "JUMPKEY", HostKey = "ssh-ed25519 BBBB" }],
        };
        var json = ClusterMembers.Serialize(new ClusterMember { Host = host, Hostname = "h4", JoinedBy = "host", Maintenance = true });
        Assert.DoesNotContain("hunter2", json);
        Assert.DoesNotContain("KEYTEXT", json);
        Assert.DoesNotContain("JUMPKEY", json);
        var back = ClusterMembers.Deserialize(json)!;
        Assert.Equal("ssh-ed25519 AAAA", back.Host.HostKey);
        Assert.Equal("bastion", back.Host.JumpHosts![0]!.Address);
        Assert.True(back.Maintenance);
    }

    [Fact]
    public void MergePrefersTheConnectStringsFieldsAndSkipsBrokenEntries()
    {
        var registry = new Dictionary<string, string>
        {
            ["mvm/hosts/h1"] = ClusterMembers.Serialize(new ClusterMember { Host = new MemberHost { Name = "h1", Address = "10.20.0.16" }, Hostname = "h6" }),
            ["mvm/hosts/h5"] = ClusterMembers.Serialize(new ClusterMember { Host = new MemberHost { Name = "h5", Address = "10.20.0.15" }, Hostname = "h5", JoinedBy = "host" }),
            ["mvm/hosts/junk"] = "{not json",
        };
        var members = ClusterMembers.Merge(registry, Info().Hosts);
        Assert.Equal(["h1", "h5"], members.Select(m => m.Name));
        Assert.Equal("h6", members[0].Hostname);
        Assert.NotNull(members[0].Host.SshPrivateKey); // the seed's key, so the host is reachable with it
        Assert.Null(members[1].Host.SshPrivateKey);
    }

    [Theory]
    [InlineData("10.20.0.11/24", "10.20.0.0/24")]
    [InlineData("10.20.1.200/25", "10.20.1.128/25")]
    [InlineData("192.168.7.9/16", "192.168.0.0/16")]
    public void NetworkOfMasksTheHostBits(string cidr, string network) => Assert.Equal(network, ClusterNode.NetworkOf(cidr));

    [Fact]
    public void VlanListsExpandToIds() =>
        Assert.Equal([1, 22, 23, 24, 25, 30], MvmCluster.VlanIds(["1", "22-25", "30", "24"]));

    // Made by the code before the cluster layer had its own host record and settings (commit 5c9c03e):
    // a standard cluster with every setting off its default and a host with every field, secrets included.
    private const string MadeByTheOldCode =
        "mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6ImZjMTQwZTBiLWM1MTItNDYyMC05MWNkLTYyZjNkMTQwOWI0ZiI"
        + "sImxheW91dCI6InN0YW5kYXJkIiwidm1Qb29sIjoidm1zIiwib3ZzQnJpZGdlIjoiYnItbGFiIiwiZG9tYWluVHlwZSI6InFlbXU"
        + "iLCJvdnNEYXRhcGF0aCI6Im5ldGRldiIsImNwdU1vZGVsIjoiRVBZQy1Sb21lIiwibGlidmlydFNlY3JldFV1aWQiOiIwOGVmODQ"
        + "5Zi1lZTYyLTRjMzYtYmU3Ni02YTQ3Y2I5OTQwNTMiLCJjZXBoQ2xpZW50IjoibXZtIiwiY29tcHV0ZVZsYW5JZHMiOlsxLDIyLDI"
        + "zXSwiaG9zdHMiOlt7Im5hbWUiOiJoNCIsImFkZHJlc3MiOiIxMC4yMC4wLjE0Iiwic3NoUG9ydCI6MjIyMiwic3NoVXNlciI6ImF"
        + "kbWluIiwic3NoUHJpdmF0ZUtleSI6Ii0tLS0tQkVHSU4gT1BFTlNTSCBQUklWQVRFIEtFWS0tLS0tXG5hYmNcbi0tLS0tRU5EIE9"
        + "QRU5TU0ggUFJJVkFURSBLRVktLS0tLVxuIiwic3NoUGFzc3dvcmQiOiJwdyIsImhvc3RLZXkiOiJzc2gtZWQyNTUxOSBBQUFBQzN"
        + "OemFDMWxaREkxTlRFNUFBQUFJSiIsImp1bXBIb3N0cyI6W3siYWRkcmVzcyI6IjEwLjIwLjAuMSIsInBvcnQiOjIyLCJ1c2VyIjo"
        + "ianVtcCIsInByaXZhdGVLZXkiOiJrIiwiaG9zdEtleSI6InNzaC1lZDI1NTE5IEFBQUIifV0sInN1ZG8iOnRydWUsImRhdGFEZXZ"
        + "pY2VzIjpbIi9kZXYvdmRiIiwiL2Rldi9kaXNrL2J5LWlkL3ZpcnRpby14Il0sIm1hbmFnZW1lbnRJbnRlcmZhY2UiOiJldGgwIiw"
        + "ic3RvcmFnZUludGVyZmFjZSI6ImV0aDEiLCJjb21wdXRlSW50ZXJmYWNlIjoiZXRoMiJ9LHsibmFtZSI6Img1IiwiYWRkcmVzcyI"
        + "6IjEwLjIwLjAuMTUifV0sIm1pbmltdW1NZW1vcnlHaUIiOjIsIm1lbW9yeVBlck9zZEdpQiI6MX0";

    // The registry entry the same code wrote for that host (secrets stripped), as the monitors' config-key store holds it.
    private const string RegistryEntryMadeByTheOldCode =
        """
        {"host":{"name":"h4","address":"10.20.0.14","sshPort":2222,"sshUser":"admin","hostKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ","jumpHosts":[{"address":"10.20.0.1","port":22,"user":"jump","hostKey":"ssh-ed25519 AAAB"}],"sudo":true,"dataDevices":["/dev/vdb","/dev/disk/by-id/virtio-x"],"managementInterface":"eth0","storageInterface":"eth1","computeInterface":"eth2"},"hostname":"h4.lab","joinedBy":"host","maintenance":true,"name":"h4"}
        """;

    [Fact]
    public void AConnectStringMadeByTheOldCodeDecodesAndEncodesToTheSameBytes()
    {
        var info = ConnectString.Decode(MadeByTheOldCode);
        Assert.Equal(MadeByTheOldCode, ConnectString.Encode(info));

        var s = info.Settings;
        Assert.Equal((ClusterLayout.Standard, Mvm.Tools.DomainType.Qemu, OvsDatapath.Netdev), (s.Layout, s.DomainType, s.OvsDatapath));
        Assert.Equal(("vms", "br-lab", "EPYC-Rome", 2, 1), (s.VmPool, s.OvsBridge, s.CpuModel, s.MinimumMemoryGiB, s.MemoryPerOsdGiB));
        var h4 = info.Hosts[0];
        Assert.Equal((2222, "admin", true, "eth2"), (h4.SshPort, h4.SshUser, h4.Sudo, h4.ComputeInterface));
        Assert.Equal(["/dev/vdb", "/dev/disk/by-id/virtio-x"], h4.Devices());
        Assert.Equal(("jump", "k"), (h4.JumpHosts![0]!.User, h4.JumpHosts[0]!.PrivateKey));

        var member = new ClusterMember { Host = h4, Hostname = "h4.lab", JoinedBy = "host", Maintenance = true };
        Assert.Equal(RegistryEntryMadeByTheOldCode, ClusterMembers.Serialize(member));
    }

    [Fact]
    public void AnOlderConnectStringWithoutTheLaterFieldsStillDecodes()
    {
        var info = ConnectString.Decode(CheckHelpers.ConnectString);
        Assert.Equal(("lab", "6b1f5bd4-3c1e-4f4c-9a55-0d1f0c1e2a11"), (info.Name, info.Fsid));
        var s = info.Settings;
        Assert.Equal((ClusterLayout.Hci, Mvm.Tools.DomainType.Qemu, OvsDatapath.Netdev), (s.Layout, s.DomainType, s.OvsDatapath));
        Assert.Equal((ClusterSettings.DefaultMinimumMemoryGiB, ClusterSettings.DefaultVmPool), (s.MinimumMemoryGiB, s.VmPool));
        Assert.Equal(("h1", "10.0.0.11"), (info.Hosts[0].Name, info.Hosts[0].Address));
        Assert.Empty(info.ComputeVlanIds);
    }
}
