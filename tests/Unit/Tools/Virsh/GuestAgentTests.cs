using System.Text;
using System.Text.Json.Nodes;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The guest-agent part of the Virsh client: the argv it sends and how the replies of a real
/// qemu-guest-agent 7.2 behind libvirt 9.0 (Fixtures/Virsh/virsh-9.0.0-agent-*, captured from
/// the lab's guest image by GuestImageLabTests) become results and exceptions.
/// </summary>
public class GuestAgentTests
{
    private static string Fixture(string name) => VirshTestHost.Fixture(name);

    private static (Virsh, VirshTestHost) Client()
    {
        var host = new VirshTestHost();
        return (new Virsh(host) { AgentPollInterval = TimeSpan.FromMilliseconds(1) }, host);
    }

    private static JsonNode? Sent(VirshTestHost host, int call) => JsonNode.Parse(host.Calls[call].Argv[^1]);

    [Fact]
    public async Task AgentCommandsGoThroughQemuAgentCommandWithABoundedTimeout()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-agent-ping.json"));
        Assert.True(await virsh.AgentPingAsync("vm1"));
        Assert.Equal(["qemu-agent-command", "--domain", "vm1", "--timeout", "10", """{"execute":"guest-ping"}"""], host.LastArgs);
        // virsh's own limit, plus room for the SSH round trip: a hung guest cannot hang the provider.
        Assert.True(host.Calls[0].Timeout > TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AnAgentNotRunningYetIsReportedAsUnavailable()
    {
        var (virsh, host) = Client();
        host.Fail(Fixture("virsh-9.0.0-agent-not-connected.stderr"));
        Assert.False(await virsh.AgentPingAsync("vm1"));
        host.Fail(Fixture("virsh-9.0.0-agent-not-connected.stderr"));
        var e = await Assert.ThrowsAsync<GuestAgentUnavailableException>(() => virsh.GuestInterfacesAsync("vm1"));
        Assert.Equal("vm1", e.Domain);
        Assert.Contains("not connected", e.Message);
    }

    [Fact]
    public async Task WaitingForTheAgentIsBounded()
    {
        var (virsh, host) = Client();
        for (var i = 0; i < 3; i++) host.Fail(Fixture("virsh-9.0.0-agent-not-connected.stderr"));
        host.Reply(Fixture("virsh-9.0.0-agent-ping.json"));
        await virsh.WaitForAgentAsync("vm1", TimeSpan.FromMinutes(1));
        Assert.Equal(4, host.Calls.Count);

        (virsh, host) = Client();
        for (var i = 0; i < 100; i++) host.Fail(Fixture("virsh-9.0.0-agent-not-connected.stderr"));
        var e = await Assert.ThrowsAsync<GuestAgentUnavailableException>(() => virsh.WaitForAgentAsync("vm1", TimeSpan.Zero));
        Assert.Contains("within 0 s", e.Message);
    }

    [Fact]
    public async Task ExecSendsTheArgvAndPollsUntilTheProgramExits()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-agent-exec.json"))
            .Reply(Fixture("virsh-9.0.0-agent-exec-status-running.json"))
            .Reply(Fixture("virsh-9.0.0-agent-exec-status-exited.json"));
        var r = await virsh.GuestExecAsync("vm1", ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], TimeSpan.FromMinutes(1));
        Assert.Equal((3, "out\n", "err\n", false), (r.ExitCode, r.StdoutText, r.StderrText, r.Truncated));

        var exec = Sent(host, 0)!;
        Assert.Equal("guest-exec", exec["execute"]!.GetValue<string>());
        Assert.Equal("/bin/sh", exec["arguments"]!["path"]!.GetValue<string>());
        Assert.Equal(["-c", "echo out; echo err >&2; exit 3"], exec["arguments"]!["arg"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.True(exec["arguments"]!["capture-output"]!.GetValue<bool>());
        var pid = JsonNode.Parse(Fixture("virsh-9.0.0-agent-exec.json"))!["return"]!["pid"]!.GetValue<long>();
        Assert.Equal(pid, Sent(host, 1)!["arguments"]!["pid"]!.GetValue<long>());
        Assert.Equal(3, host.Calls.Count);
    }

    [Fact]
    public async Task ExecGivesUpAfterItsLimit()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-agent-exec.json"));
        for (var i = 0; i < 100; i++) host.Reply(Fixture("virsh-9.0.0-agent-exec-status-running.json"));
        var e = await Assert.ThrowsAsync<TimeoutException>(() => virsh.GuestExecAsync("vm1", ["/bin/sleep", "600"], TimeSpan.Zero));
        Assert.Contains("/bin/sleep", e.Message);
        Assert.Contains("vm1", e.Message);
    }

    [Fact]
    public async Task ReadingAFileOpensReadsAndAlwaysCloses()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-agent-file-open.json"))
            .Reply(Fixture("virsh-9.0.0-agent-file-read.json"))
            .Reply("""{"return":{}}""");
        var bytes = await virsh.GuestReadFileAsync("vm1", "/var/lib/mvm-marker");
        var expected = JsonNode.Parse(Fixture("virsh-9.0.0-agent-file-read.json"))!["return"]!["buf-b64"]!.GetValue<string>();
        Assert.Equal(Convert.FromBase64String(expected), bytes);
        Assert.EndsWith("\n", Encoding.UTF8.GetString(bytes));

        var handle = JsonNode.Parse(Fixture("virsh-9.0.0-agent-file-open.json"))!["return"]!.GetValue<long>();
        Assert.Equal(("guest-file-open", "/var/lib/mvm-marker", "r"),
            (Sent(host, 0)!["execute"]!.GetValue<string>(), Sent(host, 0)!["arguments"]!["path"]!.GetValue<string>(), Sent(host, 0)!["arguments"]!["mode"]!.GetValue<string>()));
        Assert.Equal(("guest-file-read", handle), (Sent(host, 1)!["execute"]!.GetValue<string>(), Sent(host, 1)!["arguments"]!["handle"]!.GetValue<long>()));
        Assert.Equal(("guest-file-close", handle), (Sent(host, 2)!["execute"]!.GetValue<string>(), Sent(host, 2)!["arguments"]!["handle"]!.GetValue<long>()));
    }

    [Fact]
    public async Task AFileBiggerThanAskedForIsRefusedAndStillClosed()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-agent-file-open.json"))
            .Reply(Fixture("virsh-9.0.0-agent-file-read.json"))
            .Reply("""{"return":{}}""");
        await Assert.ThrowsAsync<Mvm.Core.ProviderException>(() => virsh.GuestReadFileAsync("vm1", "/var/lib/mvm-marker", maxBytes: 4));
        Assert.Equal("guest-file-close", Sent(host, 2)!["execute"]!.GetValue<string>());
    }

    [Fact]
    public async Task AMissingGuestFileIsNotFound()
    {
        var (virsh, host) = Client();
        host.Fail(Fixture("virsh-9.0.0-agent-file-open-missing.stderr"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.GuestReadFileAsync("vm1", "/var/lib/mvm-no-such-file"));
        Assert.Equal(("guest file", "/var/lib/mvm-no-such-file"), (e.Kind, e.Name));
        Assert.Single(host.Calls); // nothing was opened, so nothing is closed
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.GuestReadFileAsync("vm1", "relative/path"));
    }

    [Fact]
    public async Task OtherAgentFailuresKeepVirshsMessage()
    {
        var (virsh, host) = Client();
        host.Fail(Fixture("virsh-9.0.0-agent-file-open-missing.stderr"));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.AgentCommandAsync("vm1", "guest-file-open",
            new JsonObject { ["path"] = "/var/lib/mvm-no-such-file" }));
        Assert.Contains("No such file or directory", e.Message);
    }

    [Fact]
    public async Task GuestInterfacesComeFromDomIfAddrWithTheAgentAsSource()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-domifaddr-agent-full.txt"));
        var nics = await virsh.GuestInterfacesAsync("vm1");
        Assert.Equal(["domifaddr", "--domain", "vm1", "--source", "agent", "--full"], host.LastArgs);
        var lo = Assert.Single(nics, n => n.Name == "lo");
        Assert.Contains(new GuestAddress("ipv4", "127.0.0.1", 8), lo.Addresses);
        var eth0 = Assert.Single(nics, n => n.Mac == "52:54:00:6d:10:01");
        Assert.Equal("eth0", eth0.Name);
        Assert.Contains(new GuestAddress("ipv4", "192.0.2.10", 24), eth0.Addresses);
    }

    [Fact]
    public void DomIfAddrWithoutAddressesAndBrokenTables()
    {
        const string NoAddress = """
             Name       MAC address          Protocol     Address
            -------------------------------------------------------------------------------
             eth1       52:54:00:6d:10:02    N/A          N/A

            """;
        var nic = Assert.Single(GuestAgentOutput.ParseDomIfAddr(NoAddress));
        Assert.Equal(("eth1", "52:54:00:6d:10:02"), (nic.Name, nic.Mac));
        Assert.Empty(nic.Addresses);
        Assert.Empty(GuestAgentOutput.ParseDomIfAddr(""));
        Assert.Throws<FormatException>(() => GuestAgentOutput.ParseDomIfAddr("something else entirely\n"));
        Assert.Throws<FormatException>(() => GuestAgentOutput.ParseDomIfAddr(NoAddress.Replace("N/A          N/A", "ipv4 10.0.0.1", StringComparison.Ordinal)));
    }

    [Fact]
    public void ExecStatusOfAProgramKilledByASignal()
    {
        var r = GuestAgentOutput.ParseExecStatus(JsonNode.Parse("""{"exited":true,"signal":9}"""));
        Assert.Equal(137, r!.ExitCode);
        Assert.Throws<FormatException>(() => GuestAgentOutput.ParseReturn("not json", "guest-ping"));
        Assert.Throws<FormatException>(() => GuestAgentOutput.ParseReturn("""{"error":{}}""", "guest-ping"));
    }
}
