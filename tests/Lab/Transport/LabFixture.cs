using System.Diagnostics;
using System.Text.Json;
using Mvm.Framework.Config;
using Mvm.Resources.Shared;
using Mvm.Transport;

// Lab tests share real hosts (and one of them stops sshd on a host): nothing may run in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
// The lab exists only on Linux (nspawn, nsenter, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Mvm.Tests.Lab.Transport;

public sealed record LabHost(string Name, string Management, string Storage, int SshPort);

/// <summary>
/// The running lab as tests/lab/lab-up.sh left it (hosts.json, the key, known_hosts, the mvm
/// password). A missing or dead lab fails every test with one clear message: the lab tier never
/// skips, or CI would report green without having tested anything.
/// </summary>
public sealed class LabFixture
{
    public const string NotRunning = "lab is not running: run make lab-up";

    public LabFixture()
    {
        OutDir = Environment.GetEnvironmentVariable("LAB_OUT") is { Length: > 0 } o ? o : "/var/lib/mvm-lab/out";
        RunDir = Environment.GetEnvironmentVariable("LAB_RUN") is { Length: > 0 } r ? r : "/var/lib/mvm-lab";
        var hostsJson = Path.Combine(OutDir, "hosts.json");
        if (!File.Exists(hostsJson)) throw new InvalidOperationException($"{NotRunning} ({hostsJson} does not exist)");
        using var doc = JsonDocument.Parse(File.ReadAllText(hostsJson));
        var root = doc.RootElement;
        Hosts = root.GetProperty("hosts").EnumerateArray().Select(h => new LabHost(
            h.GetProperty("name").GetString()!, h.GetProperty("management").GetString()!,
            h.GetProperty("storage").GetString()!, h.GetProperty("sshPort").GetInt32())).ToList();
        if (Hosts.Count < 3) throw new InvalidOperationException($"{NotRunning} (the transport tests need 3 hosts; hosts.json lists {Hosts.Count})");
        PrivateKey = File.ReadAllText(root.GetProperty("sshPrivateKey").GetString()!);
        KnownHosts = File.ReadAllText(root.GetProperty("knownHosts").GetString()!);
        Password = File.ReadAllText(root.GetProperty("users").GetProperty("mvm").GetProperty("passwordFile").GetString()!).Trim();

        // LAB_ONLY=h1,h2 probes only those hosts: hosts shared with other runs are not touched.
        var only = Environment.GetEnvironmentVariable("LAB_ONLY")?.Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (var h in Hosts.Where(h => only is null || only.Contains(h.Name)))
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                SshBannerProbe.ProbeAsync(h.Management, h.SshPort, cts.Token).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{NotRunning} ({h.Name} at {h.Management}:{h.SshPort} does not answer SSH: {e.Message})", e);
            }
        }
    }

    public string OutDir { get; }
    public string RunDir { get; }
    public IReadOnlyList<LabHost> Hosts { get; }
    public LabHost H1 => Hosts[0];
    public LabHost H2 => Hosts[1];
    public LabHost H3 => Hosts[2];
    public string PrivateKey { get; }
    public string KnownHosts { get; }
    public string Password { get; }

    /// <summary>A provider configuration that logs in as root with the lab key and verifies host keys.</summary>
    public ProviderConfig Config(Action<ProviderConfig>? change = null)
    {
        var c = new ProviderConfig
        {
            SshPrivateKey = PrivateKey,
            KnownHosts = KnownHosts,
            SshAgent = false,
            ConnectTimeout = "5s",
        };
        change?.Invoke(c);
        return c;
    }

    /// <summary>Resolves a target exactly as the provider would: configuration plus per-host overrides.</summary>
    public SshTarget Target(LabHost host, Action<ProviderConfig>? config = null, Action<ClusterHost>? overrides = null,
        Func<string, string?>? environment = null)
    {
        var h = new ClusterHost { Name = host.Name, Address = host.Management };
        overrides?.Invoke(h);
        return SshTargetResolver.Resolve(Config(config).ToSshDefaults(), h.ToMember().Access().SshSettings(), host.Name,
            environment ?? (_ => null));
    }

    public string PrivateKeyFile => Path.Combine(OutDir, "id_ed25519");

    /// <summary>The key line lab-up recorded for a host (`ssh-ed25519 AAAA…`).</summary>
    public string HostKey(LabHost host, string type = "ssh-ed25519") =>
        Mvm.Transport.KnownHosts.For(Mvm.Transport.KnownHosts.Parse(KnownHosts), host.Management, host.SshPort)
            .First(e => e.KeyType == type).PublicKey;

    /// <summary>Runs a command inside a lab host as root without SSH (nsenter into its namespaces).</summary>
    public (int Exit, string Output) Exec(LabHost host, params string[] argv)
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-t", Leader(host).ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", "--" }.Concat(argv))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30))) { p.Kill(true); throw new TimeoutException($"nsenter {string.Join(' ', argv)} on {host.Name} hung"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The container's PID 1 as seen from this machine (the nspawn child whose innermost PID is 1).</summary>
    public int Leader(LabHost host)
    {
        var nspawn = File.ReadAllText(Path.Combine(RunDir, "hosts", host.Name, "nspawn.pid")).Trim();
        foreach (var child in File.ReadAllText($"/proc/{nspawn}/task/{nspawn}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var status = File.ReadAllLines($"/proc/{child}/status").FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
            if (status is not null && status.Split('\t', ' ').Last() == "1") return int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"{NotRunning} (no init process found for {host.Name})");
    }

    /// <summary>Waits until sshd answers on a host again (after a test stopped it).</summary>
    public static async Task WaitForSshAsync(LabHost host, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await SshBannerProbe.ProbeAsync(host.Management, host.SshPort, cts.Token);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Local processes whose command line mentions <paramref name="needle"/> (e.g. a transport's private directory).</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> ProcessesMentioning(string needle)
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains(needle, StringComparison.Ordinal)) found.Add((pid, cmd));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>
    /// `ssh` processes descended from this one: the transport is in-process and must start none.
    /// </summary>
    public static IReadOnlyList<int> SshProcessesOfOurs()
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "ssh") continue;
                for (var p = pid; p > 1; p = ParentOf(p))
                    if (p == Environment.ProcessId) { found.Add(pid); break; }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    private static int ParentOf(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("PPid:", StringComparison.Ordinal));
        return int.Parse(line[5..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>This process's established TCP connections to SSH port 22 of lab hosts (from `ss -p`).</summary>
    public static int OurSshConnections()
    {
        var psi = new ProcessStartInfo("ss", ["-Htnp", "state", "established", "( dport = :22 )"]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Count(l => l.Contains($"pid={Environment.ProcessId},", StringComparison.Ordinal));
    }

    /// <summary>Every process on this machine whose environment or command line contains <paramref name="secret"/>.</summary>
    public static IReadOnlyList<int> ProcessesWithInArgv(string secret) =>
        ProcessesMentioning(secret).Select(p => p.Pid).Where(p => p != Environment.ProcessId).ToList();
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    // One collection: the tests share three hosts, count TCP connections on them and stop sshd
    // on one, so they must not overlap.
    public const string Name = "lab";
}
