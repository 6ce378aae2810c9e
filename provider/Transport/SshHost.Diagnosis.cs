using Mvm.Core;

namespace Mvm.Transport;

// Turning a failed connection attempt into one typed error that names who failed (the host, or
// which jump host on the way to it) and, for host keys, both fingerprints.
public sealed partial class SshHost
{
    /// <summary>A failure and where it happened: -1 = the target, i = jump host i.</summary>
    private sealed record Failure(int Hop, SshFailure What, HostKeyVerifier? Verifier);

    private Exception ToException(Failure failure, int attempts, TimeSpan elapsed)
    {
        var (address, port, user) = failure.Hop < 0
            ? (Target.Address, Target.Port, Target.User)
            : (Target.JumpHosts[failure.Hop].Address, Target.JumpHosts[failure.Hop].Port,
                Target.JumpHosts[failure.Hop].User);
        var who = failure.Hop < 0
            ? Name + (Target.JumpHosts.Count > 0
                ? $" (via jump host{(Target.JumpHosts.Count > 1 ? "s" : "")} " +
                    $"{string.Join(", ", Target.JumpHosts.Select(h => h.Address))})"
                : "")
            : $"jump host {failure.Hop + 1} of {Target.JumpHosts.Count} ({address}) on the way to {Name}";
        var endpoint = $"{user}@{address}:{port}";
        var detail = Scrub(failure.What.Detail);
        return failure.What.Kind switch
        {
            SshFailureKind.AuthenticationFailed =>
                new AuthenticationFailedException(who, user, endpoint, detail) { Host = Name },
            SshFailureKind.HostKeyChanged =>
                new HostKeyMismatchException(who, $"{address}:{port}", failure.Verifier?.Expected ?? [],
                    failure.Verifier?.Offered) { Host = Name },
            SshFailureKind.HostKeyUnknown =>
                new HostKeyUnknownException(who, $"{address}:{port}", failure.Verifier?.Offered) { Host = Name },
            SshFailureKind.Unreachable or SshFailureKind.Closed =>
                new HostUnreachableException(address, port,
                    $"{detail} ({who}; {attempts} attempt{(attempts == 1 ? "" : "s")} " +
                    $"over {Durations.Format(elapsed)})"),
            _ => new HostUnreachableException(address, port, $"SSH failed: {detail} ({who})"),
        };
    }
}
