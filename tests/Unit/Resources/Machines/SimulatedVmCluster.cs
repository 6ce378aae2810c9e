using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;
using Mvm.Tests.Unit.Resources.Cluster;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// Three cluster hosts h1-h3 answering with captured Ceph 16.2.15 and libvirt 9.0 output; one of
/// them (<see cref="VmOn"/>) has the VM. Every command each host got is recorded, so tests count
/// what finding and reading a VM costs.
/// </summary>
internal sealed class SimulatedVmCluster
{
    public const string VmUuid = "03b3b37b-b18b-4860-a943-50cf64f2a32f";
    public static readonly string[] Names = ["h1", "h2", "h3"];
    public readonly Dictionary<string, ClusterTestHost> Hosts = [];

    public SimulatedVmCluster()
    {
        foreach (var n in Names) Hosts[n] = new ClusterTestHost(argv => Answer(n, argv), n);
    }

    /// <summary>The host that has the VM (a name not in <see cref="Names"/>: none has it).</summary>
    public string VmOn { get; set; } = "h1";

    private sealed class Connector(IReadOnlyDictionary<string, ClusterTestHost> hosts) : IHostConnector
    {
        public IHost Connect(SshHostSettings host, string name) => hosts[name];
    }

    /// <summary>Hosts whose sshd is down: every command fails to connect, as the transport reports it.</summary>
    public HashSet<string> Down { get; } = [];

    /// <summary>Hosts whose libvirtd is stopped: virsh answers that it cannot connect.</summary>
    public HashSet<string> LibvirtDown { get; } = [];

    /// <summary>Answers a test adds (e.g. rbd's), asked first; null falls through to the VM's.</summary>
    public Func<string, IReadOnlyList<string>, CommandResult?>? Extra { get; set; }

    private CommandResult Answer(string host, IReadOnlyList<string> argv)
    {
        if (Extra?.Invoke(host, argv) is { } extra) return extra;
        if (Down.Contains(host))
            throw new HostUnreachableException($"10.20.0.1{Array.IndexOf(Names, host) + 1}", 22,
                $"ssh: connect to host 10.20.0.1{Array.IndexOf(Names, host) + 1} port 22: Connection refused ({host}; 3 attempts over 1.5 s)");
        if (argv.Contains("fsid")) return CapturedRun.Load("ceph-16.2.15-fsid").As(argv, host);
        if (argv.Contains("config-key")) return CapturedRun.Load("ceph-16.2.15-config-key-dump-3-hosts").As(argv, host);
        if (LibvirtDown.Contains(host) && argv.Contains("virsh")) return ClusterTestHost.Result(argv, 1, "", Virsh("virsh-9.0.0-libvirtd-down.stderr"));
        if (argv.Contains("dumpxml"))
            return host == VmOn
                ? ClusterTestHost.Result(argv, 0, Virsh("virsh-9.0.0-dumpxml-running.xml"))
                : ClusterTestHost.Result(argv, 1, "", Virsh("virsh-9.0.0-dumpxml-missing-domain.stderr"));
        if (argv.Contains("net-list")) return ClusterTestHost.Result(argv, 0, Virsh("virsh-9.0.0-net-list-all-name.txt"));
        if (argv.Contains("net-dumpxml")) return ClusterTestHost.Result(argv, 0, Virsh("virsh-9.0.0-net-dumpxml-ovs-portgroup.xml"));
        if (argv.Contains("domifaddr")) return ClusterTestHost.Result(argv, 0, Virsh("virsh-9.0.0-domifaddr-agent-full.txt"));
        if (argv is ["cat", "/proc/meminfo"]) return ClusterTestHost.Result(argv, 0, "MemTotal: 24683520 kB\nMemAvailable: 20000000 kB\n");
        throw new InvalidOperationException($"{host} got an unexpected command: {string.Join(' ', argv)}");
    }

    private static string Virsh(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Virsh", file));

    public ClusterConnection Connection() => new(new ClusterInfo
    {
        Name = "bench",
        Fsid = "4c5f6c01-26f7-436c-b511-a2aff85653d0",
        Hosts = Names.Select((n, i) => new MemberHost { Name = n, Address = $"10.20.0.1{i + 1}" }).ToList(),
    }, new RemoteHosts(new Connector(Hosts)));

    public OperationContext Ctx() => new("read", "mvm:index:VirtualMachine", "vm", "urn", false, Mvm.Framework.Config.ConfigLoader.Defaults(_ => null),
        new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new Connector(Hosts));

    public int CephCalls => Hosts.Values.Sum(h => h.Lines.Count(l => l.StartsWith("ceph ", StringComparison.Ordinal)));
    public int RegistryReads => Hosts.Values.Sum(h => h.Lines.Count(l => l.Contains("config-key dump", StringComparison.Ordinal)));
    public int Looks(string host) => Hosts[host].Lines.Count(l => l.Contains(" dumpxml", StringComparison.Ordinal) && !l.Contains("--inactive", StringComparison.Ordinal));
    public int NetworkReads(string host) => Hosts[host].Lines.Count(l => l.Contains("net-list", StringComparison.Ordinal));
}
