using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// What a failure from a host means, for the layers above the tools that decide on it (the cluster layer and the
/// resources) without naming the transport's exception types (issue 13).
/// </summary>
public static class HostErrors
{
    /// <summary>
    /// The host could not answer: it is unreachable, the connection dropped, or a command did not finish in time.
    /// </summary>
    public static bool CouldNotAnswer(Exception e) =>
        e is HostUnreachableException or ConnectionLostException or CommandTimedOutException;

    /// <summary>The host could not be reached at all; nothing was run on it.</summary>
    public static bool Unreachable(Exception e) => e is HostUnreachableException;

    /// <summary>A command ran on the host and exited non-zero.</summary>
    public static bool CommandFailed(Exception e) => e is RemoteCommandFailedException;
}
