using System.Diagnostics;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Grpc;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// An unreachable host (SYNs dropped by iptables on one loopback port, see <see cref="Blackhole"/>): the
/// operation's timeout turns into DEADLINE_EXCEEDED naming the step and host, and the engine's Cancel into
/// CANCELLED, both promptly — through direct calls (MvmCluster, whose first step "inspect host" hangs in the
/// SSH client's connect) and through a YAML program's customTimeouts (the test fixture's banner probe).
/// </summary>
public sealed class TimeoutAndCancelTests(Blackhole blackhole, ITestOutputHelper output) : IClassFixture<Blackhole>
{
    private const string Type = "mvm:index:MvmCluster";

    private async Task<(ProviderSession Session, CreateRequest Create)> StartAsync(string name)
    {
        var s = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            SecretConfig = new Dictionary<string, string> { ["sshPassword"] = "pw" },
        });
        await s.HandshakeAsync();
        await s.ConfigureAsync();
        var inputs = (await s.Client.CheckAsync(s.CheckRequest(Type, name, Clusters.Standard(blackhole.Port, hostName: "dark1")))).Inputs;
        return (s, new CreateRequest { Urn = s.Urn(Type, name), Name = name, Type = Type, Properties = inputs });
    }

    [Fact]
    public async Task Create_with_a_timeout_on_an_unreachable_host_is_DEADLINE_EXCEEDED_naming_step_and_host()
    {
        var (s, create) = await StartAsync("slow");
        await using var _ = s;
        create.Timeout = 3;
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(create));
        watch.Stop();
        output.WriteLine($"{watch.ElapsedMilliseconds} ms → {e.Code}: {e.StatusMessage}");

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, e.Code);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.8), TimeSpan.FromSeconds(3 + 4));
        Assert.Contains("during step 'inspect host' on host dark1", e.StatusMessage);
        Assert.Contains("3s", e.StatusMessage);
        Assert.Contains("customTimeouts.create", e.StatusMessage);

        // The timeout ended that call only: the plugin is still fine.
        Assert.Equal(PluginBinary.DeclaredVersion, (await s.Client.GetPluginInfoAsync()).Version);
        Assert.Equal(0, await s.StopAsync());
    }

    [Fact]
    public async Task Engine_Cancel_during_a_hanging_create_is_CANCELLED_promptly()
    {
        var (s, create) = await StartAsync("stuck");
        await using var _ = s;
        var call = s.Client.CreateAsync(create); // no timeout: the default createTimeout is 60m
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(call.IsCompleted, "Create returned before Cancel although the host is unreachable");

        var watch = Stopwatch.StartNew();
        await s.Client.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcFailure>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        watch.Stop();
        output.WriteLine($"Cancel → {watch.ElapsedMilliseconds} ms → {e.Code}: {e.StatusMessage}");

        Assert.Equal(GrpcStatusCode.Cancelled, e.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Cancel took {watch.Elapsed} to end the Create");
        Assert.Contains("cancel", e.StatusMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("'inspect host' on host dark1", e.StatusMessage);

        // After Cancel the plugin starts no new work, and still exits cleanly on SIGINT.
        var after = await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(create));
        Assert.Equal(GrpcStatusCode.Cancelled, after.Code);
        Assert.Equal(0, await s.StopAsync());
    }

    [Fact]
    public async Task A_YAML_program_customTimeouts_bounds_the_fixture_probe_of_an_unreachable_host()
    {
        await using var program = await ProgramDirectory.StartAsync($"""
            name: timeouts
            runtime: yaml
            resources:
              obj:
                type: mvm:testing:Fixture
                properties:
                  directory: __DIR__
                  content: hello
                  probeAddress: {blackhole.Address}
                options:
                  customTimeouts:
                    create: 3s
            """);
        program.Write(File.ReadAllText(Path.Combine(program.Path, "Pulumi.yaml")).Replace("__DIR__", program.Path, StringComparison.Ordinal));

        var watch = Stopwatch.StartNew();
        var up = await program.Engine.UpAsync();
        watch.Stop();
        output.WriteLine($"up took {watch.ElapsedMilliseconds} ms\n{up.Transcript}");

        Assert.False(up.Succeeded);
        var create = up.CallsOf("Create").Single();
        Assert.Equal(3, create.RequestAs<CreateRequest>().Timeout);
        Assert.NotNull(create.Failure);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, create.Failure!.Code);
        Assert.InRange(create.Elapsed, TimeSpan.FromSeconds(2.8), TimeSpan.FromSeconds(3 + 4));
        Assert.Contains("'probe SSH'", create.Failure.StatusMessage);
        Assert.Contains(blackhole.Address, create.Failure.StatusMessage);
        Assert.Contains(blackhole.Address, up.Error);
        Assert.False(File.Exists(Path.Combine(program.Path, "obj.json")), "the object was written although the probe timed out");
        Assert.DoesNotContain(up.State.Resources, r => r.Name == "obj");
        ProgramDirectory.AssertCleanPlugins(up);
    }
}
