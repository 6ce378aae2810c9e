using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mvm.Tests.Protocol.Support;

/// <summary>
/// An unreachable host on this machine only: a free loopback port whose SYNs are dropped by an iptables rule
/// (comment <see cref="Comment"/>), so a connect hangs exactly like one to a powered-off host. The rule is removed
/// on Dispose, and stale rules left by a killed run are removed first. Needs root and iptables; without them the
/// tests using it FAIL (CI installs iptables) — they never skip.
/// </summary>
public sealed class Blackhole : IDisposable
{
    public const string Comment = "mvm-protocol-test";

    private static readonly object Gate = new();
    private static bool _cleaned;
    private bool _disposed;

    public Blackhole()
    {
        lock (Gate)
        {
            if (!_cleaned)
            {
                RemoveStaleRules();
                _cleaned = true;
            }
        }
        Port = FreeLoopbackPort();
        Iptables("-I", "INPUT", "-p", "tcp", "-d", "127.0.0.1", "--dport", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", "comment", "--comment", Comment, "-j", "DROP");
        AssertConnectHangs();
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    private static int FreeLoopbackPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Proves the rule works: a connect neither succeeds nor is refused within a short wait.</summary>
    private void AssertConnectHangs()
    {
        using var client = new TcpClient();
        var connect = client.ConnectAsync(IPAddress.Loopback, Port);
        var finished = connect.Wait(TimeSpan.FromMilliseconds(700)) || connect.IsCompleted;
        if (finished)
        {
            Dispose();
            throw new InvalidOperationException(
                $"the iptables DROP rule for 127.0.0.1:{Port} did not make the port unreachable " +
                $"(connect {(connect.IsFaulted ? "failed: " + connect.Exception?.GetBaseException().Message : "succeeded")}); " +
                $"rules:\n{Run("-S", "INPUT").Output}");
        }
    }

    private static void RemoveStaleRules()
    {
        var (code, output) = Run("-S", "INPUT");
        if (code != 0)
            throw new InvalidOperationException($"`iptables -S INPUT` failed (exit {code}): {output}. These tests need root and iptables (apt-get install iptables).");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("-A INPUT ", StringComparison.Ordinal) || !line.Contains(Comment, StringComparison.Ordinal))
                continue;
            var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            args[0] = "-D";
            Iptables(args);
        }
    }

    private static void Iptables(params string[] args)
    {
        var (code, output) = Run(args);
        if (code != 0)
            throw new InvalidOperationException(
                $"`iptables {string.Join(' ', args)}` failed (exit {code}): {output}. " +
                "The unreachable-host tests need root and iptables (CI installs it: apt-get install iptables); they do not skip.");
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("iptables")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-w");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(30_000))
            {
                p.Kill();
                return (-1, "iptables did not finish within 30 s");
            }
            return (p.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"cannot run iptables: {e.Message}");
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Run("-D", "INPUT", "-p", "tcp", "-d", "127.0.0.1", "--dport", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", "comment", "--comment", Comment, "-j", "DROP");
    }
}
