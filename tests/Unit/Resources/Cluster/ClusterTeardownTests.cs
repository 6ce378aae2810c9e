using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// Deleting a cluster while one host cannot be reached: whether VMs still run there cannot be
/// told, so the delete is refused before any change, unless forceDestroy says to go ahead.
/// </summary>
public sealed class ClusterTeardownTests
{
    private readonly Dictionary<string, ClusterTestHost> _hosts = new()
    {
        // A reachable host with no VMs; every other command (the teardown itself) succeeds silently.
        ["h1"] = new ClusterTestHost(argv => ClusterTestHost.Result(argv, 0), "h1"),
        ["h2"] = new ClusterTestHost(_ => throw new HostUnreachableException("10.0.0.12", 22, "ssh: connect to host 10.0.0.12 port 22: Connection refused (h2; 3 attempts over 1.5 s)"), "h2"),
    };

    private sealed class Connector(Dictionary<string, ClusterTestHost> hosts) : IHostConnector
    {
        public IHost Connect(SshHostSettings h, string name) => hosts[name];
    }

    private static MvmClusterState State(bool force)
    {
        var hosts = new List<ClusterHost?> { new() { Name = "h1", Address = "10.0.0.11" }, new() { Name = "h2", Address = "10.0.0.12" } };
        var info = new ClusterInfo { Name = "std", Layout = "standard", Hosts = hosts.Select(h => h!.ToMember()).ToList() };
        return new MvmClusterState { Name = "std", Layout = ClusterLayout.Standard, Hosts = hosts, ForceDestroy = force, ConnectString = ConnectString.Encode(info) };
    }

    private OperationContext Ctx() => new("delete", "mvm:index:MvmCluster", "std", "urn", false, new Mvm.Framework.Config.ProviderConfig(),
        new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new Connector(_hosts));

    // Through the resource's own delete, as the engine calls it with the stored state.
    private Task DeleteAsync(bool force) => new MvmCluster().DeleteAsync("std", PropertyMapper.Encode(State(force)), Ctx());

    [Fact]
    public async Task AnUnreachableHostRefusesTheDeleteBeforeAnyChange()
    {
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => DeleteAsync(force: false));

        Assert.Contains("whether VMs still run on h2", e.Message);
        Assert.Contains("Connection refused", e.Message);
        Assert.Contains("forceDestroy", e.Message);
        Assert.Equal(["list --all --uuid --name"], _hosts["h1"].Lines.Select(l => l[(l.IndexOf(" list", StringComparison.Ordinal) + 1)..]));
    }

    [Fact]
    public async Task WithForceDestroyTheReachableHostsAreCleanedAndTheOtherIsNamed()
    {
        await DeleteAsync(force: true);

        Assert.Contains(_hosts["h1"].Lines, l => l.Contains("del-br", StringComparison.Ordinal));
    }
}
