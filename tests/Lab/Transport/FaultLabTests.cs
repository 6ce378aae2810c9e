using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>
/// Each fault gives one clear error naming the host and what to do, within its time limit, and
/// leaves no ssh process or socket behind.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class FaultLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly SshTransportOptions QuickRetries = new() { ConnectAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task RefusedConnectionIsRetriedThenReportedWithTheAddress()
    {
        await using var transport = new SshTransport(options: QuickRetries);
        var host = transport.Host(lab.Target(lab.H1, overrides: h => h.SshPort = 2222));
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HostUnreachableException>(() => host.RunAsync(["true"], null, TimeSpan.FromSeconds(20), default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(lab.H1.Management, e.Address);
        Assert.Equal(2222, e.Port);
        Assert.Contains("connection refused", e.Message);
        Assert.Contains("h1", e.Message);
        Assert.Contains("3 attempts", e.Message);
        await AssertNothingLeftAsync(transport);
    }

    [Fact]
    public async Task WrongPasswordFailsOnceWithoutRetryingOrShowingIt()
    {
        const string wrong = "not-the-password-4711";
        var secrets = new SecretScrubber();
        await using var transport = new SshTransport(secrets, QuickRetries);
        var host = transport.Host(lab.Target(lab.H2, c => { c.SshPrivateKey = null; c.SshUser = "mvm"; c.SshPassword = wrong; }));
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(() => host.RunAsync(["true"], null, TimeSpan.FromSeconds(20), default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Contains("mvm", e.Message);
        Assert.Contains("h2", e.Message);
        Assert.Contains("password", e.Message);
        Assert.DoesNotContain(wrong, e.Message);
        Assert.Equal("h2", e.Host);
        await AssertNothingLeftAsync(transport);
    }

    [Fact]
    public async Task JumpHostThatIsDownIsNamedAsTheCulprit()
    {
        await using var transport = new SshTransport(options: QuickRetries);
        var host = transport.Host(lab.Target(lab.H2, c => c.JumpHosts = [new Mvm.Framework.Config.JumpHost { Address = lab.H1.Management, Port = 2222 }]));
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HostUnreachableException>(() => host.RunAsync(["true"], null, TimeSpan.FromSeconds(20), default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Equal(lab.H1.Management, e.Address);
        Assert.Equal(2222, e.Port);
        Assert.Contains("jump host 1 of 1", e.Message);
        Assert.Contains("on the way to h2", e.Message);
        Assert.Contains("connection refused", e.Message);

        // The jump host is fine but the target behind it refuses: the target is named.
        var behind = transport.Host(lab.Target(lab.H2, c => c.JumpHosts = [new Mvm.Framework.Config.JumpHost { Address = lab.H1.Management }], h => h.SshPort = 2222));
        var e2 = await Assert.ThrowsAsync<HostUnreachableException>(() => behind.RunAsync(["true"], null, TimeSpan.FromSeconds(20), default));
        output.WriteLine(e2.GetType().Name + ": " + e2.Message);
        Assert.Equal(lab.H2.Management, e2.Address);
        Assert.Contains("h2 (via jump host 10.20.0.11)", e2.Message);
        await AssertNothingLeftAsync(transport);
    }

    [Fact]
    public async Task HangingCommandTimesOutOnTimeAndIsKilledOnBothSides()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1, c => c.SshUser = "mvm")); // through sudo: the remote kill must pass it too
        await host.ConnectAsync(default);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CommandTimedOutException>(() => host.RunAsync(["sleep", "317"], null, TimeSpan.FromSeconds(2), default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        var took = clock.Elapsed;
        Assert.True(took < TimeSpan.FromSeconds(3.5), $"took {took}");
        Assert.Contains("`sleep 317` on h1", e.Message);
        Assert.Contains("2s", e.Message);
        Assert.Contains("SIGTERM", e.Message);
        // No local process was involved, and on the host the command is gone too.
        Assert.Empty(LabFixture.SshProcessesOfOurs());
        await WaitUntilAsync(() => lab.Exec(lab.H1, "pgrep", "-f", "sleep 317").Exit != 0, "the remote sleep to end");

        // Cancel behaves the same, and the host stays usable.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        var c = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.RunAsync(["sleep", "318"], null, TimeSpan.FromMinutes(1), cts.Token));
        output.WriteLine(c.GetType().Name + ": " + c.Message);
        Assert.Contains("`sleep 318` on h1 was cancelled", c.Message);
        await WaitUntilAsync(() => lab.Exec(lab.H1, "pgrep", "-f", "sleep 318").Exit != 0, "the cancelled sleep to end");
        Assert.Equal("ok\n", (await host.RunCheckedAsync(["echo", "ok"], TimeSpan.FromSeconds(10), default)).StdoutText);
        Assert.Equal(1, host.ConnectCount);
        await AssertNothingLeftAsync(transport);
    }

    [Fact]
    public async Task SshdKilledMidCommandIsReportedOnceAndTheHostRecovers()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H2));
        try
        {
            var run = host.RunAsync(["sh", "-c", "echo started; sleep 319"], null, TimeSpan.FromSeconds(30), default);
            await WaitUntilAsync(() => lab.Exec(lab.H2, "pgrep", "-f", "sleep 319").Exit == 0, "the command to start");
            var clock = Stopwatch.StartNew();
            var kill = lab.Exec(lab.H2, "pkill", "-KILL", "-x", "sshd");
            Assert.Equal(0, kill.Exit);
            var e = await Assert.ThrowsAsync<ConnectionLostException>(() => run);
            output.WriteLine(e.GetType().Name + ": " + e.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.Contains("h2", e.Message);
            Assert.Contains("may or may not have completed", e.Message);
            Assert.Contains("sshd", e.Message);
            Assert.False(host.IsConnected);
            Assert.Empty(LabFixture.SshProcessesOfOurs());
        }
        finally
        {
            lab.Exec(lab.H2, "pkill", "-f", "sleep 319");
            lab.Exec(lab.H2, "systemctl", "start", "ssh");
            await LabFixture.WaitForSshAsync(lab.H2, TimeSpan.FromSeconds(20));
        }
        // The next command opens a new connection by itself.
        Assert.Equal("h2\n", (await host.RunCheckedAsync(["hostname"], TimeSpan.FromSeconds(20), default)).StdoutText);
        Assert.Equal(2, host.ConnectCount);
    }

    [Fact]
    public async Task DisposingLeavesNoConnectionNorProcess()
    {
        var before = LabFixture.OurSshConnections();
        var transport = new SshTransport();
        var hosts = new[]
        {
            transport.Host(lab.Target(lab.H1)),
            transport.Host(lab.Target(lab.H2, c => c.SshUser = "mvm")),
            transport.Host(lab.Target(lab.H2, c => c.JumpHosts = [new Mvm.Framework.Config.JumpHost { Address = lab.H1.Management }])),
        };
        foreach (var h in hosts) await h.RunCheckedAsync(["true"], TimeSpan.FromSeconds(20), default);
        // Three connections to port 22 (h1, h2, and h1 as the jump host; h2 behind it is reached through
        // a forwarded local port), and no ssh process.
        Assert.Equal(before + 3, LabFixture.OurSshConnections());
        Assert.Empty(LabFixture.SshProcessesOfOurs());

        await transport.DisposeAsync();
        Assert.Equal(before, LabFixture.OurSshConnections());
        Assert.All(hosts, h => Assert.False(h.IsConnected));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => hosts[0].RunAsync(["true"], null, TimeSpan.FromSeconds(5), default));
    }

    private static async Task AssertNothingLeftAsync(SshTransport transport)
    {
        await transport.DisposeAsync();
        Assert.Empty(LabFixture.SshProcessesOfOurs());
        Assert.All(transport.Hosts, h => Assert.False(h.IsConnected));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
