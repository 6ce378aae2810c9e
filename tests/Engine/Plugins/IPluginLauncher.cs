namespace Mvm.EngineHarness.Plugins;

/// <summary>A started provider plugin as the engine uses it: an address to dial and a way to stop it.</summary>
public interface IPluginHandle : IAsyncDisposable
{
    /// <summary>"127.0.0.1:PORT".</summary>
    string Address { get; }

    TimeSpan StartupTime { get; }

    bool HasExited { get; }

    int? ExitCode { get; }

    string Stdout { get; }

    string Stderr { get; }

    /// <summary>Stop had to kill it: it ignored SIGINT for the whole grace period.</summary>
    bool WasKilled { get; }

    /// <summary>SIGINT, grace period, kill; returns the exit code.</summary>
    Task<int> StopAsync(TimeSpan? grace = null);

    /// <summary>SIGINT without waiting.</summary>
    bool Interrupt();
}

/// <summary>
/// How the engine gets a plugin. The real one starts the binary; tests substitute an in-process fake provider
/// (still reached over real h2c gRPC) so the engine's step logic can be tested without the provider.
/// </summary>
public interface IPluginLauncher
{
    Task<IPluginHandle> LaunchAsync(PluginLaunchOptions options, CancellationToken ct);
}

/// <summary>Launches the pulumi-resource-mvm binary (located if the options carry no path).</summary>
public sealed class ProcessPluginLauncher(string? pluginPath = null) : IPluginLauncher
{
    public string? PluginPath { get; } = pluginPath;

    public async Task<IPluginHandle> LaunchAsync(PluginLaunchOptions options, CancellationToken ct)
    {
        var path = string.IsNullOrEmpty(options.PluginPath) ? PluginPath : options.PluginPath;
        return await PluginProcess.StartAsync(options with { PluginPath = path ?? "" }, ct).ConfigureAwait(false);
    }
}
