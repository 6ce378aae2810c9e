using Mvm.Framework;

namespace Mvm.Resources.MvmCluster;

/// <summary>Turns an exception into the one-line reason an init failure carries.</summary>
public static class Failures
{
    public static string Describe(Exception e) => e switch
    {
        StepFailedException s =>
            $"step '{s.StepName}'" + (s.HostName is null ? "" : $" on host {s.HostName}") + $" failed: {s.Message}",
        OperationCanceledException => "interrupted (cancelled or timed out)",
        _ => e.Message,
    };
}
