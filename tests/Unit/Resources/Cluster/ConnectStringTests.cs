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
            new ClusterHost { Name = "h1", Address = "10.20.0.16", SshPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", DataDevices = ["/dev/vdb"] },
            new ClusterHost { Name = "h2", Address = "10.20.0.17", SshPort = 2222 },
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
        var host = new ClusterHost
        {
            Name = "h4", Address = "10.20.0.14", SshPassword = "hunter2", SshPrivateKey = "KEYTEXT", HostKey = "ssh-ed25519 AAAA",
            JumpHosts = [new JumpHost { Address = "bastion", PrivateKey = "JUMPKEY", HostKey = "ssh-ed25519 BBBB" }],
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
            ["mvm/hosts/h1"] = ClusterMembers.Serialize(new ClusterMember { Host = new ClusterHost { Name = "h1", Address = "10.20.0.16" }, Hostname = "h6" }),
            ["mvm/hosts/h5"] = ClusterMembers.Serialize(new ClusterMember { Host = new ClusterHost { Name = "h5", Address = "10.20.0.15" }, Hostname = "h5", JoinedBy = "host" }),
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
        Assert.Equal([1, 22, 23, 24, 25, 30], ClusterLifecycle.VlanIds(["1", "22-25", "30", "24"]));
}
