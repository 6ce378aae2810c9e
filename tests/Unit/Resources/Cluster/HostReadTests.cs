using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.MvmHost;
using Mvm.Resources.Shared;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// MvmHost's Read on a standard-layout cluster, which keeps no member registry: the host is read
/// as it is (libvirt 9.0's `virsh list` as captured on the lab) and never reported gone merely
/// because the connect string does not list it.
/// </summary>
public sealed class HostReadTests
{
    private sealed class Connector(IHost host) : IHostConnector
    {
        public IHost Connect(SshHostSettings h, string name) => host;
    }

    private static MvmHostState State() => new()
    {
        ConnectString = ConnectString.Encode(new ClusterInfo
        {
            Name = "std", Layout = "standard",
            Hosts = [new MemberHost { Name = "h1", Address = "10.0.0.11" }, new MemberHost { Name = "h2", Address = "10.0.0.12" }],
        }),
        Name = "h3", Address = "10.0.0.13", State = HostStatus.Ready,
    };

    private static OperationContext Ctx(IHost host) => new("read", "mvm:index:MvmHost", "h3", "urn", false, new Mvm.Framework.Config.ProviderConfig(),
        new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new Connector(host));

    // Through the resource's own read, as the engine calls it with the stored state.
    private static async Task<MvmHostState?> ReadAsync(IHost host) =>
        await new MvmHost().ReadAsync("h3", PropertyMapper.Encode(State()), null, Ctx(host)) is { } read
            ? PropertyMapper.Decode<MvmHostState>(read.Outputs, new MappingReport(), PropertyMapper.Stored)
            : null;

    [Fact]
    public async Task AHostOfAStandardClusterIsReadNotReportedGone()
    {
        var list = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Virsh", "virsh-9.0.0-list-all-uuid-name.txt"));
        var host = new ClusterTestHost(argv => argv.Contains("list") ? ClusterTestHost.Result(argv, 0, list) : throw new InvalidOperationException(string.Join(' ', argv)));

        var read = await ReadAsync(host);

        Assert.NotNull(read);
        Assert.Equal(["mvmtest-vm1"], read.Vms);
        Assert.Equal(HostStatus.Ready, read.State);
    }

    [Fact]
    public async Task AnUnreachableHostOfAStandardClusterStaysInStateAsUnreachable()
    {
        var host = new ClusterTestHost(_ => throw new HostUnreachableException("10.0.0.13", 22, "ssh: connect to host 10.0.0.13 port 22: Connection refused"));

        var read = await ReadAsync(host);

        Assert.NotNull(read);
        Assert.Equal(HostStatus.Unreachable, read.State);
    }
}
