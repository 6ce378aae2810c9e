using System.Text.Json;
using System.Text.Json.Serialization;
using Mvm.Cluster;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// The build-time generated JSON (ClusterJson, needed by the Native AOT plugin) writes byte for byte what the
/// reflection-based serializer with the old options wrote, so connect strings already in users' states and
/// member registry entries already in clusters read back unchanged.
/// </summary>
public class ClusterJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static MemberHost Host() => new()
    {
        Name = "h1", Address = "10.20.0.16", SshPort = 2222, SshUser = "debian", HostKey = "ssh-ed25519 AAAA",
        JumpHosts = [new MemberJumpHost { Address = "bastion", Port = 22, User = "jump" }, null],
        Sudo = true, DataDevices = ["/dev/vdb", null], ManagementInterface = "eth0",
    };

    [Fact]
    public void ConnectStringPayloadIsWhatTheReflectionSerializerWrote()
    {
        var info = new ClusterInfo
        {
            Name = "lab", Fsid = "fc140e0b-c512-4620-91cd-62f3d1409b4f", ComputeVlanIds = [1, 22], Hosts = [Host()],
            LibvirtSecretUuid = "08ef849f-ee62-4c36-be76-6a47cb994053",
        };
        var b64 = ConnectString.Encode(info)["mvm1.".Length..].Replace('-', '+').Replace('_', '/');
        var payload = Convert.FromBase64String(b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '='));
        Assert.Equal(JsonSerializer.Serialize(info, Reflection), System.Text.Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public void MemberEntryIsWhatTheReflectionSerializerWrote()
    {
        var member = new ClusterMember { Host = Host(), Hostname = "node1", JoinedBy = "host", Maintenance = true };
        var expected = JsonSerializer.Serialize(new ClusterMember { Host = member.Host.WithoutSecrets(),
            Hostname = "node1", JoinedBy = "host", Maintenance = true }, Reflection);
        Assert.Equal(expected, ClusterMembers.Serialize(member));
        Assert.Equal(expected, ClusterMembers.Serialize(ClusterMembers.Deserialize(expected)!));
    }
}
