namespace Mvm.Transport;

/// <summary>Tunables of the SSH transport; the defaults suit production.</summary>
public sealed record SshTransportOptions
{
    /// <summary>The OpenSSH client (≥ 8.7: SSH_ASKPASS_REQUIRE, KbdInteractiveAuthentication).</summary>
    public string SshPath { get; init; } = "ssh";

    /// <summary>
    /// Commands running at once on one host. sshd allows 10 sessions per connection by default
    /// (MaxSessions), and all commands share one connection.
    /// </summary>
    public int MaxConcurrentCommandsPerHost { get; init; } = 8;

    /// <summary>Connection attempts when the host cannot be reached (refused, timed out, reset).</summary>
    public int ConnectAttempts { get; init; } = 3;

    /// <summary>Delay before the second attempt; doubles for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long an idle master connection stays open. It also bounds how long one outlives a
    /// provider that was killed before it could close it.
    /// </summary>
    public TimeSpan ControlPersist { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Keepalive probes that notice a dead connection (interval × count).</summary>
    public TimeSpan ServerAliveInterval { get; init; } = TimeSpan.FromSeconds(15);
    public int ServerAliveCountMax { get; init; } = 3;
}
