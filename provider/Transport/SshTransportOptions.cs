namespace Mvm.Transport;

/// <summary>Tunables of the SSH transport; the defaults suit production.</summary>
public sealed record SshTransportOptions
{
    /// <summary>
    /// Commands running at once on one host. sshd allows 10 sessions per connection by default
    /// (MaxSessions), all commands share one connection, and a timed-out command's kill needs a
    /// channel of its own: more callers wait in line.
    /// </summary>
    public int MaxConcurrentCommandsPerHost { get; init; } = 8;

    /// <summary>Connection attempts when the host cannot be reached (refused, timed out, reset).</summary>
    public int ConnectAttempts { get; init; } = 3;

    /// <summary>Delay before the second attempt; doubles for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often an idle connection sends a keepalive, so middleboxes keep it open.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);
}
