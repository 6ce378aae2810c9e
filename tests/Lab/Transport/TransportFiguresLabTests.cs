using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>
/// Latency figures for the note, printed, not asserted: a test that fails on timing
/// would fail on a loaded CI machine for no fault of the code. The floor is OpenSSH itself:
/// `ssh` through a ControlMaster (what the transport used before SSH.NET), run with the lab's
/// own ssh_config, rounds alternating with the transport's so load hits both alike.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class TransportFiguresLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PrintsTheTransportBesideAnOpenSshControlMaster()
    {
        var target = lab.Target(lab.H1);
        var config = Path.Combine(lab.OutDir, "ssh_config");
        var socket = Path.Combine(Path.GetTempPath(), $"mvm-figures-{Environment.ProcessId}.ctl");
        var (connect, connectFloor) = (new List<double>(), new List<double>());
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            await using (var t = new SshTransport())
            {
                await t.Host(target).ConnectAsync(default);
                connect.Add(sw.Elapsed.TotalMilliseconds);
            }
            sw.Restart();
            await SshAsync(config, "-M", "-S", socket, "-f", "-N", "h1");
            connectFloor.Add(sw.Elapsed.TotalMilliseconds);
            await SshAsync(config, "-S", socket, "-O", "exit", "h1");
        }

        await using var transport = new SshTransport();
        var host = transport.Host(target);
        await host.ConnectAsync(default);
        await SshAsync(config, "-M", "-S", socket, "-f", "-N", "h1");
        try
        {
            var (one, oneFloor, step, stepFloor, script) =
                (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            // Warm both up first: JIT on one side, the master's first session on the other.
            for (var i = 0; i < 5; i++)
            {
                await host.RunCheckedAsync(["true"], T, default);
                await SshAsync(config, "-S", socket, "h1", "true");
            }
            for (var i = 0; i < 20; i++)
            {
                var sw = Stopwatch.StartNew();
                await host.RunCheckedAsync(["true"], T, default);
                one.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                await SshAsync(config, "-S", socket, "h1", "true");
                oneFloor.Add(sw.Elapsed.TotalMilliseconds);
            }
            for (var round = 0; round < 5; round++)
            {
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < 20; i++) await host.RunCheckedAsync(["echo", "x"], T, default);
                step.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                for (var i = 0; i < 20; i++) await SshAsync(config, "-S", socket, "h1", "echo", "x");
                stepFloor.Add(sw.Elapsed.TotalMilliseconds);
                var remoteScript = new RemoteScript();
                for (var i = 0; i < 20; i++) remoteScript.Add(["echo", "x"]);
                sw.Restart();
                Assert.True((await remoteScript.RunAsync(host, T, default)).AllSucceeded);
                script.Add(sw.Elapsed.TotalMilliseconds);
            }
            output.WriteLine($"first connection (TCP, key exchange, key auth): SSH.NET median {Median(connect):F0} ms, " +
                $"OpenSSH ControlMaster median {Median(connectFloor):F0} ms (n=5 each)");
            output.WriteLine($"one small command:     SSH.NET median {Median(one):F1} ms, " +
                $"ssh through the ControlMaster median {Median(oneFloor):F1} ms (n=20 each)");
            output.WriteLine($"20-command step:       SSH.NET median {Median(step):F0} ms, " +
                $"ssh through the ControlMaster median {Median(stepFloor):F0} ms (n=5 each)");
            output.WriteLine($"20-command step as one RemoteScript over SSH.NET: median {Median(script):F0} ms");
        }
        finally
        {
            await SshAsync(config, "-S", socket, "-O", "exit", "h1");
        }
    }

    private static async Task SshAsync(string config, params string[] args)
    {
        var psi = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-F", config, "-o", "BatchMode=yes" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        Assert.True(p.ExitCode == 0, $"ssh {string.Join(' ', args)}: exit {p.ExitCode}: {stderr.Result}");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
