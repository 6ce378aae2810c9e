using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>Logging in and running commands on real lab hosts: users, sudo, auth methods, jump hosts, host keys.</summary>
[Collection(LabCollection.Name)]
public sealed class SshHostLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunsAsRootWithKeyAndSeparatesExitStdoutStderrAndStdin()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        var r = await host.RunAsync(["sh", "-c", "id -un; hostname; echo oops >&2; exit 3"], null, T, default);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("root\nh1\n", r.StdoutText);
        Assert.Equal("oops\n", r.StderrText);

        // Binary stdin arrives unchanged (all 256 byte values), and output bytes come back unchanged.
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Encoding.UTF8.GetBytes("\nend")).ToArray();
        var echo = await host.RunAsync(["cat"], bytes, T, default);
        Assert.Equal(0, echo.ExitCode);
        Assert.Equal(bytes, echo.Stdout);
        Assert.Equal("h1", host.Name);
    }

    [Fact]
    public async Task RunsAsSudoUserThroughSudoAndAsThatUserWithoutIt()
    {
        await using var transport = new SshTransport();
        var sudo = transport.Host(lab.Target(lab.H1, c => c.SshUser = "mvm"));
        Assert.True(sudo.Target.Sudo); // the default for a non-root user
        var r = await sudo.RunCheckedAsync(["id", "-un"], T, default);
        Assert.Equal("root\n", r.StdoutText);
        var login = await sudo.RunCheckedAsync(["sh", "-c", "echo $SUDO_USER"], T, default);
        Assert.Equal("mvm\n", login.StdoutText);

        var plain = transport.Host(lab.Target(lab.H1, c => { c.SshUser = "mvm"; c.Sudo = false; }));
        Assert.Equal("mvm\n", (await plain.RunCheckedAsync(["id", "-un"], T, default)).StdoutText);
    }

    [Fact]
    public async Task UserWithoutSudoRightsGetsOneClearError()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1, c => c.SshUser = "nosudo"));
        var e = await Assert.ThrowsAsync<SudoPasswordRequiredException>(() => host.RunAsync(["id", "-un"], null, T, default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        Assert.Contains("nosudo", e.Message);
        Assert.Contains("h1", e.Message);
        Assert.Contains("NOPASSWD", e.Message);
    }

    [Fact]
    public async Task PasswordAuthenticationNeverPutsThePasswordOnArgvOrInFiles()
    {
        var secrets = new SecretScrubber();
        await using var transport = new SshTransport(secrets);
        // No key, no agent: only the password can log in.
        var host = transport.Host(lab.Target(lab.H2, c => { c.SshPrivateKey = null; c.SshUser = "mvm"; c.SshPassword = lab.Password; }));
        Assert.Null(host.Target.PrivateKey);
        var r = await host.RunCheckedAsync(["id", "-un"], T, default);
        Assert.Equal("root\n", r.StdoutText);

        // While the connection is up: not in any process's argv, and no ssh process carries it anywhere.
        Assert.Empty(LabFixture.ProcessesWithInArgv(lab.Password));
        Assert.Empty(LabFixture.SshProcessesOfOurs());
        // Behind a jump host (h1, by key) the password still logs in to the target, and only there.
        var jumped = transport.Host(lab.Target(lab.H2, c => { c.SshPrivateKey = null; c.SshUser = "mvm"; c.SshPassword = lab.Password;
            c.JumpHosts = [new Mvm.Framework.Config.JumpHost { Address = lab.H1.Management, PrivateKey = lab.PrivateKey }]; }));
        Assert.Equal("h2\n", (await jumped.RunCheckedAsync(["hostname"], T, default)).StdoutText);
        Assert.Empty(LabFixture.SshProcessesOfOurs());
        Assert.Empty(LabFixture.ProcessesWithInArgv(lab.Password));

        // The scrubber learnt it, so no error built from this target can show it.
        Assert.DoesNotContain(lab.Password, secrets.Scrub("x " + lab.Password + " y"));
    }

    [Fact]
    public async Task AuthenticatesWithAnAgentAndOnlyWithTheConfiguredOne()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"mvm-lab-agent-{Environment.ProcessId}.sock");
        File.Delete(socket);
        using var agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", socket]) { RedirectStandardOutput = true })!;
        try
        {
            for (var i = 0; i < 50 && !File.Exists(socket); i++) await Task.Delay(20);
            var add = new ProcessStartInfo("ssh-add", ["-q", lab.PrivateKeyFile]) { RedirectStandardError = true };
            add.Environment["SSH_AUTH_SOCK"] = socket;
            using (var p = Process.Start(add)!) { await p.WaitForExitAsync(); Assert.Equal(0, p.ExitCode); }

            await using var transport = new SshTransport();
            // No key configured: the agent found in SSH_AUTH_SOCK (the provider's default) is the only way in.
            var host = transport.Host(lab.Target(lab.H2, c => { c.SshPrivateKey = null; c.SshAgent = null; },
                environment: v => v == "SSH_AUTH_SOCK" ? socket : null));
            Assert.True(host.Target.UseAgent);
            Assert.Equal("h2\n", (await host.RunCheckedAsync(["hostname"], T, default)).StdoutText);
            Assert.Empty(LabFixture.SshProcessesOfOurs());

            // With the agent turned off and no key, nothing can log in.
            var off = transport.Host(lab.Target(lab.H2, c => { c.SshPrivateKey = null; c.SshAgent = false; },
                environment: v => v == "SSH_AUTH_SOCK" ? socket : null));
            var e = await Assert.ThrowsAsync<AuthenticationFailedException>(() => off.RunAsync(["true"], null, T, default));
            output.WriteLine(e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            agent.Kill();
            File.Delete(socket);
        }
    }

    [Fact]
    public async Task JumpsThroughH1ToH2WithItsOwnUserPerHop()
    {
        await using var transport = new SshTransport();
        var target = lab.Target(lab.H2, c => c.JumpHosts = [new Mvm.Framework.Config.JumpHost { Address = lab.H1.Management, User = "mvm" }]);
        var host = transport.Host(target);
        var r = await host.RunCheckedAsync(["sh", "-c", "hostname; echo $SSH_CLIENT"], T, default);
        var lines = r.StdoutText.Split('\n');
        Assert.Equal("h2", lines[0]);
        // h2 saw the connection come from h1, not from this machine.
        Assert.StartsWith(lab.H1.Management + " ", lines[1]);
        var who = lab.Exec(lab.H1, "sh", "-c", "ps -o user= -C sshd | sort -u");
        Assert.Contains("mvm", who.Output);
    }

    [Fact]
    public async Task HostKeyMismatchIsRefusedNamingTheHostAndBothFingerprints()
    {
        await using var transport = new SshTransport();
        // Pin h2's key for h1: exactly what an attacker in the middle would look like.
        var wrong = lab.HostKey(lab.H2);
        var host = transport.Host(lab.Target(lab.H1, overrides: h => h.HostKey = wrong));
        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() => host.RunAsync(["true"], null, T, default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        var expected = HostKeyFingerprint.FromPublicKey(wrong).Fingerprint;
        var offered = HostKeyFingerprint.FromPublicKey(lab.HostKey(lab.H1)).Fingerprint;
        Assert.Contains("h1", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains(offered, e.Message);
        Assert.Equal(offered, e.Offered?.Fingerprint);
        Assert.False(host.IsConnected);
    }

    [Fact]
    public async Task AProviderPinIsEnforcedEvenWhenKnownHostsHoldsTheHostsRealKey()
    {
        // knownHosts (lab.Target's default) holds h1's real key; the provider's hostKeys pins h2's key for it.
        var wrong = lab.HostKey(lab.H2);
        await using (var transport = new SshTransport())
        {
            var host = transport.Host(lab.Target(lab.H1, c => c.HostKeys = new() { [lab.H1.Management] = wrong }));
            var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() => host.RunAsync(["true"], null, T, default));
            output.WriteLine(e.GetType().Name + ": " + e.Message);
            Assert.Contains("h1", e.Message);
            Assert.Contains(HostKeyFingerprint.FromPublicKey(wrong).Fingerprint, e.Message);
            Assert.Contains(HostKeyFingerprint.FromPublicKey(lab.HostKey(lab.H1)).Fingerprint, e.Message);
            Assert.StartsWith("SHA256:", e.Offered?.Fingerprint);
            Assert.False(host.IsConnected);
        }
        // The right pin (by name this time) alongside the same known_hosts logs in.
        await using (var transport = new SshTransport())
        {
            var host = transport.Host(lab.Target(lab.H1, c => c.HostKeys = new() { ["h1"] = lab.HostKey(lab.H1) }));
            await host.RunCheckedAsync(["true"], T, default);
        }
    }

    [Fact]
    public async Task UnknownHostIsRefusedByDefaultAndShowsTheOfferedKey()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1, c => c.KnownHosts = null));
        var e = await Assert.ThrowsAsync<HostKeyUnknownException>(() => host.RunAsync(["true"], null, T, default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        Assert.Contains("h1", e.Message);
        Assert.Contains("trustOnFirstUse", e.Message);
        var keys = Mvm.Transport.KnownHosts.For(Mvm.Transport.KnownHosts.Parse(lab.KnownHosts), lab.H1.Management, 22).Select(k => k.Fingerprint.Fingerprint);
        Assert.Contains(e.Offered!.Fingerprint, keys);
    }

    [Fact]
    public async Task TrustOnFirstUseLearnsTheKeyTheHostReallyHas()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H2, c => { c.KnownHosts = null; c.TrustOnFirstUse = true; }));
        await host.RunCheckedAsync(["true"], T, default);
        var learned = host.LearnedHostKey;
        Assert.NotNull(learned);
        var real = Mvm.Transport.KnownHosts.For(Mvm.Transport.KnownHosts.Parse(lab.KnownHosts), lab.H2.Management, 22).Select(k => k.PublicKey);
        Assert.Contains(learned, real);
    }

    [Fact]
    public async Task OneTcpConnectionPerHostCarriesManyConcurrentCommands()
    {
        var before = EstablishedFromHere(lab.H1);
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => host.RunCheckedAsync(["echo", i.ToString(System.Globalization.CultureInfo.InvariantCulture)], T, default)));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"{i}\n"), results.Select(r => r.StdoutText));
        Assert.Equal(1, host.ConnectCount);
        Assert.Same(host, transport.Host(lab.Target(lab.H1)));
        Assert.Equal(before + 1, EstablishedFromHere(lab.H1));
    }

    [Fact]
    public async Task AtMostTheConfiguredNumberOfCommandsRunAtOnceOnAHost()
    {
        await using var transport = new SshTransport(options: new SshTransportOptions { MaxConcurrentCommandsPerHost = 2 });
        var host = transport.Host(lab.Target(lab.H1));
        await host.ConnectAsync(default);
        // Each command reports how many were running when it started (the others' sleeps, plus itself).
        var script = "n=$(pgrep -c -f '^sleep 0[.]31$'); echo $((n + 1)); exec sleep 0.31";
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            host.RunCheckedAsync(["bash", "-c", script], T, default)));
        // Six commands, two at a time, 0.31 s each: at least three rounds.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"took {clock.Elapsed}");
        Assert.All(results, r => Assert.InRange(int.Parse(r.StdoutText.Trim(), System.Globalization.CultureInfo.InvariantCulture), 1, 2));
    }

    [Fact]
    public async Task MoreCommandsThanSshdAllowsSessionsWaitTheirTurnOnTheOneConnection()
    {
        // Allowed past sshd's MaxSessions (10): the channels beyond it wait instead of failing.
        await using var transport = new SshTransport(options: new SshTransportOptions { MaxConcurrentCommandsPerHost = 16 });
        var host = transport.Host(lab.Target(lab.H2));
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            host.RunCheckedAsync(["sh", "-c", "sleep 0.3; echo $0", i.ToString(System.Globalization.CultureInfo.InvariantCulture)], T, default)));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"{i}\n"), results.Select(r => r.StdoutText));
        Assert.Equal(1, host.ConnectCount);
    }

    private sealed class FailingStream(int goodBytes) : MemoryStream(new byte[goodBytes])
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Position < Length ? base.ReadAsync(buffer, ct) : throw new IOException("disk read error");
    }

    [Fact]
    public async Task StreamsStdinAndAFailingSourceStopsTheCommandInsteadOfEndingItsInput()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        // Far more than a channel window (2 MiB): the upload is streamed, all of it arrives.
        var big = await host.RunStreamingAsync(["wc", "-c"], new MemoryStream(new byte[24_000_000]), T, default);
        Assert.Equal("24000000\n", big.StdoutText);

        // A source that fails half way: no EOF is sent, so `wc` never reports a short count; it is stopped.
        var e = await Assert.ThrowsAsync<IOException>(() =>
            host.RunStreamingAsync(["sh", "-c", "wc -c >/tmp/mvm-short-count"], new FailingStream(3_000_000), T, default));
        output.WriteLine(e.GetType().Name + ": " + e.Message);
        Assert.Contains("disk read error", e.Message);
        Assert.Contains("was stopped", e.Message);
        await Task.Delay(500);
        var (_, count) = lab.Exec(lab.H1, "sh", "-c", "cat /tmp/mvm-short-count 2>/dev/null; rm -f /tmp/mvm-short-count");
        Assert.Equal("", count.Trim());
    }

    // Counted on the host itself (not through SSH, which would add a connection).
    private int EstablishedFromHere(LabHost host)
    {
        var (_, output) = lab.Exec(host, "ss", "-Htn", "state", "established", "( sport = :22 )");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("10.20.0.1:", StringComparison.Ordinal));
    }
}
