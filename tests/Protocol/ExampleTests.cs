using System.Diagnostics;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Grpc;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// The shipped examples/ programs, copied to a temp directory with a stack config pointing at temp key and
/// known_hosts files. The protocol tier has no real hosts, so: preview succeeds with the expected creates and
/// plan, contacting no host; the cluster's `up` against addresses that refuse fails before any change, naming
/// every host; the vm example's `up` with its placeholder connect string fails promptly, naming every host it tried. The lab
/// tier (VmExampleLabTests) and `make demo` run both examples against real hosts.
/// </summary>
public sealed class ExampleTests(ITestOutputHelper output)
{
    /// <param name="extraStack">Stack settings appended to the example's own (they override its defaults).</param>
    private static async Task<ProgramDirectory> CopyAsync(string example, Func<string, string>? edit = null, IReadOnlyDictionary<string, string>? extraStack = null)
    {
        var source = Path.Combine(PluginBinary.RepoRoot, "examples", example);
        var program = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n", stackYaml: null, fixtures: false, prefix: "mvm-example-" + example);
        var yaml = File.ReadAllText(Path.Combine(source, "Pulumi.yaml"));
        var key = program.Dir.Write("keys/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAdummy\n-----END OPENSSH PRIVATE KEY-----\n");
        var knownHosts = program.Dir.Write("keys/known_hosts", "");
        // Keep the example's own stack settings, but point the key and known_hosts at the temp files.
        var stack = string.Join("\n", File.ReadAllLines(Path.Combine(source, "Pulumi.dev.yaml")).Select(line =>
            line.TrimStart().StartsWith("mvm:sshPrivateKeyFile:", StringComparison.Ordinal) ? $"  mvm:sshPrivateKeyFile: {key}"
            : line.TrimStart().StartsWith("mvm:knownHostsFile:", StringComparison.Ordinal) ? $"  mvm:knownHostsFile: {knownHosts}"
            : line));
        Assert.Contains(key, stack);
        Assert.Contains(knownHosts, stack);
        // The stack file is one `config:` map, so appended entries land in it.
        foreach (var (k, v) in extraStack ?? new Dictionary<string, string>())
            stack += $"\n  {k}: \"{v}\"";
        program.Write(edit?.Invoke(yaml) ?? yaml, stack + "\n");
        return program;
    }

    /// <summary>
    /// The cluster example's three hosts moved to 127.0.0.1-3 on one port, with mvm:sshPort set to that port:
    /// the program stays as shipped, only where its hosts are changes.
    /// </summary>
    private static Dictionary<string, string> HostsAt(int port) => new()
    {
        ["mvm-cluster:h1Address"] = "127.0.0.1",
        ["mvm-cluster:h2Address"] = "127.0.0.2",
        ["mvm-cluster:h3Address"] = "127.0.0.3",
        ["mvm:sshPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static void AssertNoHostContact(DeploymentResult result)
    {
        foreach (var method in new[] { "Create", "Update" })
            Assert.All(result.CallsOf(method), c => Assert.True(
                c.Request is CreateRequest { Preview: true } or UpdateRequest { Preview: true }, $"{method} without preview during a preview"));
        Assert.Empty(result.CallsOf("Read"));
        Assert.Empty(result.CallsOf("Delete"));
        Assert.DoesNotContain(result.Logs, l => l.Message.Contains("inspect host", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cluster_example_previews_its_creates_and_plan_without_contacting_a_host()
    {
        // Each host is a listener that counts connections, so "no contact" is observed, not inferred.
        var hosts = await FakeSshServer.OnLoopbacksAsync(3);
        try
        {
            await using var p = await CopyAsync("cluster", extraStack: HostsAt(hosts[0].Port));
            var preview = await p.OkAsync(p.Engine.PreviewAsync());
            output.WriteLine(preview.Transcript);
            Assert.Equal(StepOp.Create, preview.Step("cluster").Op);
            Assert.Equal(StepOp.Create, preview.Step("web").Op);
            // No pool besides the cluster's own VM pool, which the VMs of examples/vm use: nothing unused.
            Assert.Equal(["cluster", "web"], preview.Steps.Where(s => !s.IsProvider).Select(s => s.Name).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(preview.Steps, s => s.CheckFailures.Count > 0);
            var cluster = preview.CallsOf("Create").Single(c => c.RequestAs<CreateRequest>().Name == "cluster").RequestAs<CreateRequest>();
            Assert.Equal(2400, cluster.Timeout); // customTimeouts.create: 40m
            Assert.Equal("vms", Wire.Text(cluster.Properties, "vmPool"));

            // The plan is printed under the cluster and follows the program: every host's data device becomes an OSD.
            var plan = preview.Logs.Where(l => l.Urn == preview.Step("cluster").Urn && l.Message.StartsWith("plan: ", StringComparison.Ordinal))
                .Select(l => l.Message).ToList();
            Assert.True(plan.Count > 0, "preview printed no 'plan: …' lines for the cluster:\n" + preview.Transcript);
            foreach (var h in new[] { "h1", "h2", "h3" })
                Assert.Contains(plan, l => l.Contains($"{h} /dev/vdb", StringComparison.Ordinal));

            AssertNoHostContact(preview);
            await Task.Delay(300); // an inspection would connect at once
            Assert.All(hosts, h => Assert.Equal(0, h.Connections));
            Assert.False(File.Exists(p.Engine.StatePath));
        }
        finally
        {
            foreach (var h in hosts)
                await h.DisposeAsync();
        }
    }

    [Fact]
    public async Task Vm_example_previews_its_creates_without_contacting_a_host()
    {
        await using var p = await CopyAsync("vm");
        var preview = await p.OkAsync(p.Engine.PreviewAsync());
        output.WriteLine(preview.Transcript);
        Assert.Equal(StepOp.Create, preview.Step("debian").Op);
        Assert.Equal(StepOp.Create, preview.Step("web1").Op);
        Assert.Equal(StepOp.Create, preview.Step("web2").Op);
        Assert.DoesNotContain(preview.Steps, s => s.CheckFailures.Count > 0);
        AssertNoHostContact(preview);
    }

    /// <summary>
    /// The shipped cluster program with its hosts on loopback addresses whose SSH port refuses: `up` must stop in
    /// the read-only inspection with one FAILED_PRECONDITION that lists every host, says nothing was changed, and
    /// comes promptly (refusals are answers; the 40m create timeout is not what ends it).
    /// </summary>
    [Fact]
    public async Task Cluster_example_up_on_unreachable_hosts_fails_before_any_change_naming_every_host()
    {
        int refusing;
        {
            var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            refusing = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
        }
        await using var p = await CopyAsync("cluster", extraStack: HostsAt(refusing));
        var watch = Stopwatch.StartNew();
        var up = await p.Engine.UpAsync();
        watch.Stop();
        output.WriteLine($"{watch.ElapsedMilliseconds} ms\n{up.Transcript}");

        Assert.False(up.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"up took {watch.Elapsed}");
        var create = up.CallsOf("Create").Single(c => c.RequestAs<CreateRequest>() is { Name: "cluster", Preview: false });
        var failure = create.Failure;
        Assert.NotNull(failure);
        Assert.Equal(GrpcStatusCode.FailedPrecondition, failure!.Code);
        Assert.Contains("nothing was changed on any host", failure.StatusMessage);
        // Every host is inspected even when one fails, so each is named with the endpoint ssh was given.
        var lines = failure.StatusMessage.Split('\n');
        for (var i = 1; i <= 3; i++)
        {
            var line = lines.FirstOrDefault(l => l.StartsWith($"Host h{i} (127.0.0.{i}) could not be inspected", StringComparison.Ordinal));
            Assert.True(line is not null, $"h{i} is not named:\n{failure.StatusMessage}");
            Assert.Contains($"127.0.0.{i}:{refusing}", line);
            Assert.Contains("connection refused", line);
        }
        Assert.Contains("cluster", up.Error);
        // Nothing depending on the cluster was attempted, and nothing was recorded.
        Assert.DoesNotContain(up.CallsOf("Create"), c => c.RequestAs<CreateRequest>() is { Preview: false, Name: "web" });
        Assert.DoesNotContain(up.State.Resources, r => !r.IsProvider);
        ProgramDirectory.AssertCleanPlugins(up);
    }

    [Fact]
    public async Task Vm_example_up_fails_clearly_and_promptly()
    {
        // A short connect timeout: the lab may be down (nothing answers) and the engine's call limit here is a minute.
        await using var p = await CopyAsync("vm", extraStack: new Dictionary<string, string> { ["mvm:connectTimeout"] = "3s" });
        var up = await p.Engine.UpAsync();
        output.WriteLine(up.Transcript);
        Assert.False(up.Succeeded);
        var failure = up.CallsOf("Create").Single(c => c.RequestAs<CreateRequest>() is { Name: "debian", Preview: false }).Failure;
        Assert.NotNull(failure);
        // The placeholder connect string passes Check; its cluster cannot be reached, and the error says which hosts were tried and why.
        // Whether the lab runs (host keys unknown to this stack) or not (nothing answers), each host is named with its reason.
        Assert.Contains("no host of cluster replace-me answers for its Ceph cluster", failure!.StatusMessage);
        Assert.All(new[] { "h1: ", "h2: ", "h3: " }, h => Assert.Contains(h, failure.StatusMessage));
        Assert.DoesNotContain(up.CallsOf("Create"), c => c.RequestAs<CreateRequest>() is { Preview: false, Name: "web1" or "web2" });
        // The connect string is a secret: it must not be echoed in the error.
        var connectString = File.ReadAllLines(Path.Combine(PluginBinary.RepoRoot, "examples", "vm", "Pulumi.dev.yaml"))
            .Select(l => l.Trim()).Single(l => l.StartsWith("secret: \"mvm1.", StringComparison.Ordinal))["secret: ".Length..].Trim('"');
        Assert.DoesNotContain(connectString, failure.StatusMessage);
        Assert.DoesNotContain(connectString, up.Transcript);
        ProgramDirectory.AssertCleanPlugins(up);
    }
}
