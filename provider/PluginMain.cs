using System.Reflection;
using Mvm.Framework;
using Mvm.Protocol;

namespace Mvm;

/// <summary>
/// The plugin's main: `--emit-schema`, `--version`, or the gRPC server the engine launches, for the
/// resources given. Program.cs runs it with <see cref="ResourceCatalog"/>; the test build of the
/// plugin (tests/TestPlugin) runs it with a test resource added and a fault-injecting connector.
/// </summary>
public static class PluginMain
{
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<IResource> resources,
        HostConnectorDecorator? decorateHosts = null)
    {
        // First, before anything sets up the runtime's signal handling: SIGINT must stop the plugin even when its
        // parent ignored it (see InheritedSignals).
        InheritedSignals.RestoreDefaultStopSignals();

        var version = typeof(MvmProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
            .InformationalVersion.Split('+')[0] ?? "0.0.0";
        Func<string, string?> env = Environment.GetEnvironmentVariable;
        var registry = new ResourceRegistry(resources);

        if (args is ["--emit-schema"])
        {
            Console.Out.Write(SchemaGenerator.Generate(registry, version));
            return 0;
        }
        if (args is ["--version"])
        {
            Console.Out.WriteLine(version);
            return 0;
        }

        var launch = LaunchArguments.Parse(args);
        void Stderr(string message) => Console.Error.WriteLine(message);

        using var log = new EngineLog(launch.EngineAddress, Stderr);
        var provider = new MvmProvider(registry, log, version, env, decorateHosts);
        await using var server = new GrpcServer(new ResourceProviderService(provider, Stderr));
        var port = await server.StartAsync();
        Console.Out.Write(port + "\n");
        Console.Out.Flush();
        if (launch.EngineAddress is null)
            Stderr($"pulumi-resource-mvm: no engine address given; serving on 127.0.0.1:{port} and waiting for Attach");

        // SIGINT/SIGTERM stop the host (exit 0); work in flight is cancelled first.
        await server.WaitForShutdownAsync(provider.Cancel);
        return 0;
    }
}
