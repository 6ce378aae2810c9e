using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Grpc;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>
/// How the harness prints a provider's status (ephemeral) messages while a step runs: the apt
/// progress of a cluster's package install, one message a second for two minutes, as the provider sends it.
/// </summary>
public sealed class ReporterStatusTests
{
    private const string Cluster = "urn:pulumi:dev::mvm-cluster::mvm:index:MvmCluster::cluster";
    private const string Vlan = "urn:pulumi:dev::mvm-cluster::mvm:index:OvsVlan::web";
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    private static LogEntry Status(string urn, int second, string message) => new(LogSeverity.Info, message, urn, Ephemeral: true, 0, T0.AddSeconds(second));

    private static List<string> Printed(bool verbose, IEnumerable<LogEntry> entries)
    {
        var output = new StringWriter();
        var reporter = new Reporter(output, streamLogs: true, verbose: verbose);
        foreach (var e in entries) reporter.Log(e, Reporter.DescribeUrn(e.Urn));
        return output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public void ALongInstallShowsAStatusLineEveryFewSecondsPerResource()
    {
        var install = Enumerable.Range(0, 120).Select(i => Status(Cluster, i, $"h{i % 3 + 1}: installing {i * 100 / 120}%: Unpacking p{i} (amd64) ({i} s)"));
        var lines = Printed(verbose: false, install.Append(Status(Vlan, 3, "create libvirt network on h1")));

        var cluster = lines.Where(l => l.Contains("MvmCluster (cluster)", StringComparison.Ordinal)).ToList();
        // 0, 5, 10 … 115 s: never more than 5 s without a line, and not one per message.
        Assert.Equal(24, cluster.Count);
        Assert.Equal("    [status] mvm:index:MvmCluster (cluster): h1: installing 0%: Unpacking p0 (amd64) (0 s)", cluster[0]);
        Assert.EndsWith("Unpacking p5 (amd64) (5 s)", cluster[1]);
        // Another resource's status is not held back by the cluster's.
        Assert.Contains("    [status] mvm:index:OvsVlan (web): create libvirt network on h1", lines);
    }

    [Fact]
    public void VerboseShowsEveryStatusAndPlainLogsAreNeverThrottled()
    {
        var install = Enumerable.Range(0, 20).Select(i => Status(Cluster, 0, $"step {i}")).ToList();
        Assert.Equal(20, Printed(verbose: true, install).Count);
        var infos = Enumerable.Range(0, 5).Select(i => new LogEntry(LogSeverity.Info, $"installed p{i}", Cluster, Ephemeral: false, 0, T0));
        Assert.Equal(5, Printed(verbose: false, infos).Count);
    }
}
