using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// A Pulumi YAML program in a temporary directory, run by the engine harness against the built
/// plugin: what a user's `pulumi up` does, with the stack's state kept in the directory between runs.
/// </summary>
public sealed class LabProgram : IDisposable
{
    public LabProgram(string prefix) => Directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;

    public string Directory { get; }
    public string Stack { get; init; } = "lab";

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Provider.sln"))) return d.FullName;
            throw new InvalidOperationException("Provider.sln not found");
        }
    }

    public static string PluginPath =>
        Environment.GetEnvironmentVariable("MVM_PLUGIN_PATH") is { Length: > 0 } p ? p
            : Path.Combine(RepoRoot, "provider", "bin", "plugin", "pulumi-resource-mvm");

    /// <summary>The test build of the plugin (tests/TestPlugin: the same server plus the kill switch).</summary>
    public static string TestPluginPath =>
        Environment.GetEnvironmentVariable("MVM_TEST_PLUGIN_PATH") is { Length: > 0 } p ? p
            : Path.Combine(RepoRoot, "tests", "TestPlugin", "bin", "plugin", "pulumi-resource-mvm-test");

    /// <summary>The stack configuration the lab's programs share: root with the lab's key and known_hosts.</summary>
    public static string LabConfig(string outDir, string keyFile) => $"""
        config:
          mvm:sshUser: root
          mvm:sshPrivateKeyFile: {keyFile}
          mvm:knownHostsFile: {Path.Combine(outDir, "known_hosts")}

        """;

    public void Write(string program, string stackConfig)
    {
        File.WriteAllText(Path.Combine(Directory, "Pulumi.yaml"), program);
        File.WriteAllText(Path.Combine(Directory, $"Pulumi.{Stack}.yaml"), stackConfig);
    }

    /// <param name="pluginEnvironment">Extra environment for the plugin (fault injection).</param>
    /// <param name="pluginPath">Another plugin binary (the test build, for fault injection); the shipped one when null.</param>
    public async Task<DeploymentResult> RunAsync(Func<Engine, Task<DeploymentResult>> operation,
        IReadOnlyDictionary<string, string?>? pluginEnvironment = null, string? pluginPath = null)
    {
        pluginPath ??= PluginPath;
        Assert.True(File.Exists(pluginPath),
            $"plugin not built at {pluginPath}: run make plugin (make test-plugin for the test build)");
        await using var engine = await Engine.StartAsync(new EngineOptions
        {
            ProgramDirectory = Directory,
            Stack = Stack,
            PluginPath = pluginPath,
            RpcTimeout = TimeSpan.FromMinutes(45),
            PluginEnvironment = pluginEnvironment,
        });
        return await operation(engine);
    }

    /// <summary>A string output of a resource in the stack's state, unwrapping a secret.</summary>
    public static string? OutputOf(DeploymentResult r, string resource, string output)
    {
        var res = r.State.Resources.SingleOrDefault(x => x.Name == resource && !x.Type.StartsWith("pulumi:", StringComparison.Ordinal));
        if (res is null || !res.Outputs.Fields.TryGetValue(output, out var v)) return null;
        if (v.KindCase == Value.KindOneofCase.StructValue && v.StructValue.Fields.TryGetValue("value", out var inner)) v = inner;
        return v.KindCase == Value.KindOneofCase.StringValue ? v.StringValue : v.ToString();
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
