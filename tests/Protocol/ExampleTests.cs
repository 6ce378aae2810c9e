using System.Diagnostics;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Grpc;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// The shipped examples/ programs, copied to a temp directory with a stack config pointing at temp key and
/// known_hosts files: preview succeeds with the expected creates and contacts no host; `up` stops with a clear
/// error (not implemented yet, or the hosts cannot be reached) within a short customTimeouts — never a hang.
/// The lab tier runs them against real hosts.
/// </summary>
public sealed class ExampleTests(ITestOutputHelper output)
{
    private static async Task<ProgramDirectory> CopyAsync(string example, Func<string, string>? edit = null)
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
        program.Write(edit?.Invoke(yaml) ?? yaml, stack);
        return program;
    }

    private static void AssertNoHostContact(DeploymentResult result)
    {
        foreach (var method in new[] { "Create", "Update" })
            Assert.All(result.CallsOf(method), c => Assert.True(
                c.Request is CreateRequest { Preview: true } or UpdateRequest { Preview: true }, $"{method} without preview during a preview"));
        Assert.Empty(result.CallsOf("Read"));
        Assert.Empty(result.CallsOf("Delete"));
        Assert.DoesNotContain(result.Logs, l => l.Message.Contains("probe SSH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cluster_example_previews_its_creates_without_contacting_a_host()
    {
        await using var p = await CopyAsync("cluster");
        var preview = await p.OkAsync(p.Engine.PreviewAsync());
        output.WriteLine(preview.Transcript);
        Assert.Equal(StepOp.Create, preview.Step("cluster").Op);
        Assert.Equal(StepOp.Create, preview.Step("vmPool").Op);
        Assert.Equal(StepOp.Create, preview.Step("web").Op);
        Assert.Equal(["cluster", "vmPool", "web"], preview.Steps.Where(s => !s.IsProvider).Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(preview.Steps, s => s.CheckFailures.Count > 0);
        var cluster = preview.CallsOf("Create").Single(c => c.RequestAs<CreateRequest>().Name == "cluster").RequestAs<CreateRequest>();
        Assert.Equal(2400, cluster.Timeout); // customTimeouts.create: 40m
        AssertNoHostContact(preview);
        Assert.False(File.Exists(p.Engine.StatePath));
    }

    [Fact]
    public async Task Vm_example_previews_its_creates_without_contacting_a_host()
    {
        await using var p = await CopyAsync("vm");
        var preview = await p.OkAsync(p.Engine.PreviewAsync());
        output.WriteLine(preview.Transcript);
        Assert.Equal(StepOp.Create, preview.Step("debian").Op);
        Assert.Equal(StepOp.Create, preview.Step("web1").Op);
        Assert.DoesNotContain(preview.Steps, s => s.CheckFailures.Count > 0);
        AssertNoHostContact(preview);
    }

    [Fact]
    public async Task Cluster_example_up_fails_clearly_and_promptly()
    {
        // A short create timeout so an unreachable lab cannot stall the test; a running lab answers at once.
        await using var p = await CopyAsync("cluster", yaml => yaml.Replace("create: 40m", "create: 10s", StringComparison.Ordinal));
        var watch = Stopwatch.StartNew();
        var up = await p.Engine.UpAsync();
        watch.Stop();
        output.WriteLine($"{watch.ElapsedMilliseconds} ms\n{up.Transcript}");

        Assert.False(up.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), $"up took {watch.Elapsed}");
        var create = up.CallsOf("Create").Single(c => c.RequestAs<CreateRequest>() is { Name: "cluster", Preview: false });
        var failure = create.Failure;
        Assert.NotNull(failure);
        Assert.True(
            failure!.Code == GrpcStatusCode.Unimplemented && failure.StatusMessage.Contains("not implemented yet", StringComparison.Ordinal)
            || failure.Code == GrpcStatusCode.DeadlineExceeded && failure.StatusMessage.Contains("probe SSH", StringComparison.Ordinal)
            || failure.StatusMessage.Contains("cannot reach SSH", StringComparison.Ordinal),
            $"unclear failure: {failure.Code}: {failure.StatusMessage}");
        Assert.Contains("cluster", up.Error);
        // Nothing depending on the cluster was attempted, and nothing was recorded.
        Assert.DoesNotContain(up.CallsOf("Create"), c => c.RequestAs<CreateRequest>() is { Preview: false, Name: "vmPool" or "web" });
        Assert.DoesNotContain(up.State.Resources, r => !r.IsProvider);
        ProgramDirectory.AssertCleanPlugins(up);
    }

    [Fact]
    public async Task Vm_example_up_fails_clearly_and_promptly()
    {
        await using var p = await CopyAsync("vm");
        var up = await p.Engine.UpAsync();
        output.WriteLine(up.Transcript);
        Assert.False(up.Succeeded);
        var failure = up.CallsOf("Create").Single(c => c.RequestAs<CreateRequest>() is { Name: "debian", Preview: false }).Failure;
        Assert.NotNull(failure);
        Assert.Equal(GrpcStatusCode.Unimplemented, failure!.Code);
        Assert.Contains("not implemented yet", failure.StatusMessage);
        Assert.DoesNotContain(up.CallsOf("Create"), c => c.RequestAs<CreateRequest>() is { Preview: false, Name: "web1" });
        Assert.DoesNotContain("replace-me", failure.StatusMessage);
        ProgramDirectory.AssertCleanPlugins(up);
    }
}
