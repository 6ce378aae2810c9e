namespace Mvm.Transport;

/// <summary>
/// How the layers above get an <see cref="IHost"/> for a host they know by its SSH settings: the
/// provider wires the SSH transport in; unit tests wire fakes fed with captured tool output.
/// </summary>
public interface IHostConnector
{
    /// <param name="host">The host's address and SSH overrides (unset ones fall back to the provider's
    /// defaults).</param>
    /// <param name="name">Display name for progress and errors.</param>
    IHost Connect(SshHostSettings host, string name);
}

/// <summary>
/// The production connector: the provider-wide SSH settings plus the host's overrides, resolved by
/// <see cref="SshTargetResolver"/>, on the process-wide transport (one SSH connection per host).
/// </summary>
public sealed class SshHostConnector(SshTransport transport, SshDefaults defaults) : IHostConnector
{
    public IHost Connect(SshHostSettings host, string name) =>
        transport.Host(SshTargetResolver.Resolve(defaults, host, name));
}

/// <summary>For contexts that must not reach hosts (schema, check, preview); says so if one tries.</summary>
public sealed class NoHostConnector : IHostConnector
{
    public static readonly NoHostConnector Instance = new();

    public IHost Connect(SshHostSettings host, string name) =>
        throw new InvalidOperationException($"no host connection is available in this operation (asked for {name})");
}
