using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Cluster;
using Mvm.Resources.Machines;
using Mvm.Resources.Shared;
using Mvm.Tests.Unit.Resources.Cluster;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// Where VmHosts looks for a VM and what it reads to get there, on three simulated cluster hosts
/// answering with captured Ceph 16.2.15 and libvirt 9.0 output: a VM that stayed on its host is
/// found there without a Ceph probe or registry read (the refresh of every VM in a stack), one
/// that moved is still found through the registry, and a VM operation reads the registry once.
/// </summary>
public sealed class VmHostsTests
{
    private static readonly string[] Names = ["h1", "h2", "h3"];
    private readonly Dictionary<string, ClusterTestHost> _hosts = [];
    private string _vmOn = "h1";

    public VmHostsTests()
    {
        foreach (var n in Names) _hosts[n] = new ClusterTestHost(argv => Answer(n, argv), n);
    }

    private sealed class Connector(IReadOnlyDictionary<string, ClusterTestHost> hosts) : IHostConnector
    {
        public IHost Connect(HostFields host, string name) => hosts[name];
    }

    private CommandResult Answer(string host, IReadOnlyList<string> argv)
    {
        if (argv.Contains("fsid")) return CapturedRun.Load("ceph-16.2.15-fsid").As(argv, host);
        if (argv.Contains("config-key")) return CapturedRun.Load("ceph-16.2.15-config-key-dump-3-hosts").As(argv, host);
        if (argv.Contains("dumpxml"))
            return host == _vmOn
                ? ClusterTestHost.Result(argv, 0, Fixture("virsh-9.0.0-dumpxml-running.xml"))
                : ClusterTestHost.Result(argv, 1, "", Fixture("virsh-9.0.0-dumpxml-missing-domain.stderr"));
        if (argv is ["cat", "/proc/meminfo"]) return ClusterTestHost.Result(argv, 0, "MemTotal: 24683520 kB\nMemAvailable: 20000000 kB\n");
        throw new InvalidOperationException($"{host} got an unexpected command: {string.Join(' ', argv)}");
    }

    private static string Fixture(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Virsh", file));

    private ClusterConnection Connection() => new(new ClusterInfo
    {
        Name = "bench",
        Fsid = "4c5f6c01-26f7-436c-b511-a2aff85653d0",
        Hosts = Names.Select((n, i) => new ClusterHost { Name = n, Address = $"10.20.0.1{i + 1}" }).ToList(),
    }, new Connector(_hosts));

    private OperationContext Ctx() => new("read", "mvm:index:VirtualMachine", "vm", "urn", false, Mvm.Config.ConfigLoader.Defaults(_ => null),
        new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new Connector(_hosts));

    private int CephCalls => _hosts.Values.Sum(h => h.Lines.Count(l => l.StartsWith("ceph ", StringComparison.Ordinal)));
    private int RegistryReads => _hosts.Values.Sum(h => h.Lines.Count(l => l.Contains("config-key dump", StringComparison.Ordinal)));
    private int Looks(string host) => _hosts[host].Lines.Count(l => l.Contains("dumpxml", StringComparison.Ordinal) && !l.Contains("--inactive", StringComparison.Ordinal));

    [Fact]
    public async Task AVmOnItsLastHostIsFoundThereWithoutAskingCeph()
    {
        var found = await VmHosts.FindAsync(Connection(), "03b3b37b-b18b-4860-a943-50cf64f2a32f", "h1", Ctx());

        Assert.NotNull(found);
        Assert.Equal("h1", found.Member.Name);
        Assert.Equal("mvmtest-vm1", found.Xml.Name);
        Assert.Equal(0, CephCalls);
        Assert.Equal(1, Looks("h1"));
        Assert.Empty(_hosts["h2"].Lines);
        Assert.Empty(_hosts["h3"].Lines);
    }

    [Fact]
    public async Task AVmThatMovedIsFoundThroughTheRegistryAndItsOldHostIsAskedOnce()
    {
        _vmOn = "h3";

        var found = await VmHosts.FindAsync(Connection(), "03b3b37b-b18b-4860-a943-50cf64f2a32f", "h1", Ctx());

        Assert.NotNull(found);
        Assert.Equal("h3", found.Member.Name);
        Assert.Equal(1, RegistryReads);
        Assert.Equal(1, Looks("h1"));
        Assert.Equal(1, Looks("h2"));
    }

    [Fact]
    public async Task AVmNowhereIsLookedForOnEveryMemberOnce()
    {
        _vmOn = "none";

        var found = await VmHosts.FindAsync(Connection(), "vm-new", "h2", Ctx());

        Assert.Null(found);
        Assert.All(Names, n => Assert.Equal(1, Looks(n)));
    }

    [Fact]
    public async Task PlacementThenTheNameCheckReadTheRegistryOnce()
    {
        _vmOn = "none";
        var conn = Connection();
        var ctx = Ctx();

        var (member, _) = await VmHosts.ChooseAsync(conn, "h2", 256 * 1024, ctx);
        var existing = await VmHosts.FindAsync(conn, "vm-new", member.Name, ctx);

        Assert.Equal("h2", member.Name);
        Assert.Null(existing);
        Assert.Equal(1, RegistryReads);
        Assert.All(Names, n => Assert.Equal(1, Looks(n)));
    }
}
