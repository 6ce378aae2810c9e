namespace Mvm.EngineHarness.Plugins;

/// <summary>How to launch a plugin process; mirrors what the engine's ExecPlugin does (doc §1).</summary>
public sealed record PluginLaunchOptions
{
    /// <summary>Path of the pulumi-resource-mvm binary (see <see cref="PluginLocator"/>); empty = locate it.</summary>
    public string PluginPath { get; init; } = "";

    /// <summary>"127.0.0.1:PORT" of the engine server, passed as the last argument; null launches for Attach mode.</summary>
    public string? EngineAddress { get; init; }

    /// <summary>The program directory; the engine runs plugins there.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>PULUMI_PROJECT.</summary>
    public string? Project { get; init; }

    /// <summary>PULUMI_CONFIG: this package's stack config, keys without the "mvm:" namespace, string values.</summary>
    public IReadOnlyDictionary<string, string>? Config { get; init; }

    /// <summary>Adds --logtostderr before the engine address, as `pulumi --logtostderr` does.</summary>
    public bool LogToStderr { get; init; }

    /// <summary>Adds -v=N before the engine address.</summary>
    public int? Verbosity { get; init; }

    /// <summary>Extra environment (null value removes a variable).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>The engine itself has no limit; the harness bounds the wait so a hung plugin fails a test instead of hanging it.</summary>
    public TimeSpan PortTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
