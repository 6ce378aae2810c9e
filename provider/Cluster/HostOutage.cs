using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Tells a host that could not be reached (down, sshd stopped, the connection dropped, no answer
/// in time) from one that answered with an error. Only the first may be reported as "unreachable"
/// in a resource's outputs; anything else (a tool error, a host key that does not match) fails.
/// </summary>
public static class HostOutage
{
    public static bool Is(Exception e) =>
        HostErrors.CouldNotAnswer(e is StepFailedException { InnerException: { } inner } ? inner : e);

    /// <summary>The first line of the failure, for messages that list several hosts.</summary>
    public static string Reason(Exception e) => e.Message.Split('\n', 2)[0];
}
