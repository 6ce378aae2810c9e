using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;

namespace Mvm.Tests.Protocol.Support;

/// <summary>
/// A Pulumi YAML program in a temp directory plus an <see cref="Engine"/> that runs it against the binary under
/// test (each operation launches fresh plugin processes, as `pulumi up` does). The state file lives under it.
/// </summary>
public sealed class ProgramDirectory : IAsyncDisposable
{
    public const string DefaultStack = """
        config:
          mvm:sshPassword:
            secret: program-pw-Zk3
        """;

    private ProgramDirectory(TempDirectory dir, Engine engine)
    {
        Dir = dir;
        Engine = engine;
    }

    public TempDirectory Dir { get; }

    public string Path => Dir.Path;

    public Engine Engine { get; }

    /// <param name="fixtures">Run the test build of the plugin, which also serves mvm:testing:Fixture.</param>
    public static async Task<ProgramDirectory> StartAsync(string pulumiYaml, string? stackYaml = DefaultStack, bool fixtures = true,
        Func<EngineOptions, EngineOptions>? configure = null, string prefix = "mvm-program")
    {
        var dir = new TempDirectory(prefix);
        var options = new EngineOptions
        {
            ProgramDirectory = dir.Path,
            // The fixture resource is served only by the test build of the plugin.
            PluginPath = fixtures ? PluginBinary.TestPluginPath : PluginBinary.Path,
            PluginEnvironment = PluginBinary.Environment(),
            RpcTimeout = TimeSpan.FromSeconds(60), // safety net only: the real engine sets none
            StopGrace = TimeSpan.FromSeconds(5),
        };
        var engine = await Engine.StartAsync(configure?.Invoke(options) ?? options);
        var program = new ProgramDirectory(dir, engine);
        program.Write(pulumiYaml, stackYaml);
        return program;
    }

    /// <summary>Replaces Pulumi.yaml (and Pulumi.dev.yaml when given) for the next operation.</summary>
    public void Write(string pulumiYaml, string? stackYaml = null)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, "Pulumi.yaml"), pulumiYaml);
        if (stackYaml is not null)
            File.WriteAllText(System.IO.Path.Combine(Path, "Pulumi.dev.yaml"), stackYaml);
    }

    public async Task<DeploymentResult> OkAsync(Task<DeploymentResult> operation)
    {
        var result = await operation;
        Assert.True(result.Succeeded, result.Transcript);
        AssertCleanPlugins(result);
        return result;
    }

    /// <summary>Every plugin of the run answered SIGINT with exit 0 and wrote nothing to stdout after its port.</summary>
    public static void AssertCleanPlugins(DeploymentResult result)
    {
        foreach (var p in result.Plugins)
        {
            Assert.True(p.ExitCode == 0 && !p.Killed, $"plugin {p.Provider} exit {p.ExitCode} killed={p.Killed}\n{p.Stderr}");
            Assert.True(p.Stdout.Length == 0, $"plugin {p.Provider} wrote to stdout: {p.Stdout}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Dir.Dispose();
    }
}
