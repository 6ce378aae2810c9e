namespace Mvm.Transport;

internal enum SshFailureKind
{
    /// <summary>TCP connect failed, the name does not resolve, or no SSH banner arrived in time.</summary>
    Unreachable,
    /// <summary>The server closed or reset the connection before or during the handshake.</summary>
    Closed,
    AuthenticationFailed,
    HostKeyChanged,
    HostKeyUnknown,
    Other,
}

/// <summary>Why one endpoint of a connection chain could not be reached or logged in to.</summary>
internal sealed record SshFailure(SshFailureKind Kind, string Detail)
{
    /// <summary>
    /// Worth another attempt: the host may just be booting or sshd restarting. Wrong keys or passwords are not.
    /// </summary>
    public bool Transient => Kind is SshFailureKind.Unreachable or SshFailureKind.Closed;
}
