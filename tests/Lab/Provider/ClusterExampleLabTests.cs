using System.Diagnostics;
using System.Text.Json;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// The cluster example applied to the lab's real hosts by the built plugin, driven the way the
/// engine drives it. Today `up` probes each host's sshd and stops with "not implemented yet";
/// the assertions are made on the hosts themselves, not only on what the provider returned.
/// </summary>
[Collection("lab")]
public sealed class ClusterExampleLabTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mvm-lab-example-").FullName;
    private readonly string _labOut = Environment.GetEnvironmentVariable("LAB_OUT") is { Length: > 0 } o ? o : "/var/lib/mvm-lab/out";

    private static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Provider.sln"))) return d.FullName;
            throw new InvalidOperationException("Provider.sln not found");
        }
    }

    private static string PluginPath =>
        Environment.GetEnvironmentVariable("MVM_PLUGIN_PATH") is { Length: > 0 } p ? p
            : Path.Combine(RepoRoot, "provider", "bin", "plugin", "pulumi-resource-mvm");

    private IReadOnlyList<(string Name, string Address)> LabHosts()
    {
        var path = Path.Combine(_labOut, "hosts.json");
        Assert.True(File.Exists(path), $"lab is not running: run make lab-up ({path} does not exist)");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("hosts").EnumerateArray()
            .Select(h => (h.GetProperty("name").GetString()!, h.GetProperty("management").GetString()!)).ToList();
    }

    private async Task<DeploymentResult> RunExampleAsync(Func<Engine, Task<DeploymentResult>> operation)
    {
        Assert.True(File.Exists(PluginPath), $"plugin not built at {PluginPath}: run make plugin");
        foreach (var f in Directory.GetFiles(Path.Combine(RepoRoot, "examples", "cluster")))
            File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        await using var engine = await Engine.StartAsync(new EngineOptions
        {
            ProgramDirectory = _dir,
            Stack = "dev",
            PluginPath = PluginPath,
            RpcTimeout = TimeSpan.FromMinutes(2),
        });
        return await operation(engine);
    }

    private static (int Exit, string Output) Ssh(string configFile, string host, string command)
    {
        var psi = new ProcessStartInfo("ssh", ["-F", configFile, "-o", "BatchMode=yes", host, command])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), $"ssh {host} did not finish");
        return (p.ExitCode, output);
    }

    [Fact]
    public async Task PreviewPlansTheClusterWithoutTouchingTheHosts()
    {
        var hosts = LabHosts();
        var result = await RunExampleAsync(e => e.PreviewAsync());
        Assert.True(result.Succeeded, result.Transcript);
        Assert.Contains(result.Steps, s => s.Name == "cluster" && s.Op.ToString() == "Create");
        Assert.DoesNotContain(result.Logs, l => l.Message.Contains("probe SSH", StringComparison.Ordinal));
        Assert.Equal(3, hosts.Count);
    }

    /// <summary>
    /// What the provider would change on a host: installed packages, cluster configuration and
    /// running services. Other lab tests install tools, so "unchanged" is judged before vs after.
    /// </summary>
    private const string HostSnapshot =
        "dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n' | sort | sha256sum; " +
        "ls -la /etc/ceph /var/lib/ceph /etc/libvirt/qemu /etc/openvswitch 2>&1 | sha256sum; " +
        "systemctl list-units --type=service --state=running --no-legend --plain | awk '{print $1}' | grep -E 'ceph|libvirt|openvswitch|ovs' | sort";

    [Fact]
    public async Task UpReachesEveryRealSshdThenStopsWithoutChangingAnyHost()
    {
        var hosts = LabHosts();
        var sshConfig = Path.Combine(_labOut, "ssh_config");
        var before = hosts.ToDictionary(h => h.Name, h => Ssh(sshConfig, h.Name, HostSnapshot));
        foreach (var (name, snapshot) in before) Assert.True(snapshot.Exit == 0, $"snapshot of {name} failed: {snapshot.Output}");

        var result = await RunExampleAsync(e => e.UpAsync());

        Assert.False(result.Succeeded, "MvmCluster create cannot succeed before issue #4:\n" + result.Transcript);
        Assert.Contains("not implemented yet", result.Error + result.Transcript);
        foreach (var (name, _) in hosts)
        {
            // The banner comes from the host's own sshd, read by the provider over the lab network.
            Assert.Contains($"{name}: SSH-2.0-OpenSSH", result.Transcript);
            Assert.Contains(result.Logs, l => l.Ephemeral && l.Message.Contains($"probe SSH on {name}", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(result.State.Resources, r => r.Type == "mvm:index:MvmCluster");

        foreach (var (name, _) in hosts)
        {
            var after = Ssh(sshConfig, name, HostSnapshot);
            Assert.Equal(before[name].Output, after.Output);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
