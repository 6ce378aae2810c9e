using Mvm.Core;

namespace Mvm.Framework;

/// <summary>
/// How an operation that stopped part-way is reported: the one-line reason (which step, on which
/// host) and the init failure that puts what exists into state with what to do next. Every
/// resource whose create or update can stop after its first change reports it this way.
/// </summary>
public static class Failures
{
    /// <summary>The one-line reason an init failure carries.</summary>
    public static string Describe(Exception e) => e switch
    {
        StepFailedException s =>
            $"step '{s.StepName}'" + (s.HostName is null ? "" : $" on host {s.HostName}") + $" failed: {s.Message}",
        OperationCanceledException => "interrupted (cancelled or timed out)",
        _ => e.Message,
    };

    /// <summary>
    /// The init failure for <paramref name="e"/>: state <paramref name="state"/> under
    /// <paramref name="id"/>, and the reason followed by <paramref name="next"/> (what the user
    /// runs to finish, e.g. "run `pulumi up` again to finish the change").
    /// </summary>
    public static ResourceInitFailedException InitFailed(string id, object state, Exception e, string next) =>
        new(id, state, [Describe(e) + " — " + next]);
}
