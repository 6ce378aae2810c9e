using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>
/// Latency figures for the note, printed, not asserted: a test that fails on timing
/// would fail on a loaded CI machine for no fault of the code.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class TransportFiguresLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PrintsFreshVersusMultiplexedAndScriptVersusCalls()
    {
        var target = lab.Target(lab.H1);
        // Fresh: a new connection (TCP + key exchange + auth) per command.
        var fresh = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            await using (var t = new SshTransport())
            {
                await t.Host(target).RunCheckedAsync(["true"], T, default);
                fresh.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        await using var transport = new SshTransport();
        var host = transport.Host(target);
        var connect = Stopwatch.StartNew();
        await host.ConnectAsync(default);
        var connectMs = connect.Elapsed.TotalMilliseconds;
        var mux = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var sw = Stopwatch.StartNew();
            await host.RunCheckedAsync(["true"], T, default);
            mux.Add(sw.Elapsed.TotalMilliseconds);
        }

        var calls = new List<double>();
        var scripts = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 20; i++) await host.RunCheckedAsync(["echo", "x"], T, default);
            calls.Add(sw.Elapsed.TotalMilliseconds);
            var script = new RemoteScript();
            for (var i = 0; i < 20; i++) script.Add(["echo", "x"]);
            sw.Restart();
            var r = await script.RunAsync(host, T, default);
            scripts.Add(sw.Elapsed.TotalMilliseconds);
            Assert.True(r.AllSucceeded);
        }

        output.WriteLine($"connect (master, key auth): {connectMs:F0} ms");
        output.WriteLine($"one small command, fresh connection each: median {Median(fresh):F0} ms (n={fresh.Count})");
        output.WriteLine($"one small command, multiplexed:           median {Median(mux):F1} ms (n={mux.Count})");
        output.WriteLine($"20-command step as 20 calls:              median {Median(calls):F0} ms");
        output.WriteLine($"20-command step as one RemoteScript:      median {Median(scripts):F0} ms");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
