using System.Reflection;
using Mvm;
using Mvm.Framework;
using Mvm.Protocol;

// pulumi-resource-mvm: launched by the Pulumi engine as `pulumi-resource-mvm [flags] ENGINE_ADDRESS`.
// The first and only stdout output is the port line; everything else goes to stderr or the engine log.

// First, before anything sets up the runtime's signal handling: SIGINT must stop the plugin even when its
// parent ignored it (see InheritedSignals).
InheritedSignals.RestoreDefaultStopSignals();

var version = typeof(MvmProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
    .InformationalVersion.Split('+')[0] ?? "0.0.0";
Func<string, string?> env = Environment.GetEnvironmentVariable;

if (args is ["--emit-schema"])
{
    Console.Out.Write(SchemaGenerator.Generate(ResourceCatalog.Build(_ => null), version));
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
var provider = new MvmProvider(ResourceCatalog.Build(env), log, version, env);
await using var server = new GrpcServer(ResourceProviderService.Methods(provider), Stderr);
var port = await server.StartAsync();
Console.Out.Write(port + "\n");
Console.Out.Flush();
if (launch.EngineAddress is null)
    Stderr($"pulumi-resource-mvm: no engine address given; serving on 127.0.0.1:{port} and waiting for Attach");

// SIGINT/SIGTERM stop the host (exit 0); work in flight is cancelled first.
await server.WaitForShutdownAsync(provider.Cancel);
return 0;
