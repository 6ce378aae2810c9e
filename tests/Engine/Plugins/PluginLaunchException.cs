namespace Mvm.EngineHarness.Plugins;

/// <summary>The plugin could not be started or did not write a valid port line.</summary>
public sealed class PluginLaunchException(string message, string stderr, int? exitCode) : Exception(message)
{
    public string Stderr { get; } = stderr;

    public int? ExitCode { get; } = exitCode;
}
