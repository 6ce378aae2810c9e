using Mvm.Config;
using Mvm.Resources.Shared;

namespace Mvm.Transport;

/// <summary>
/// How resources get an <see cref="IHost"/> for a host they know by its fields: the provider
/// wires the SSH transport in; unit tests wire fakes fed with captured tool output.
/// </summary>
public interface IHostConnector
{
    /// <param name="host">The host's address and SSH overrides (unset ones fall back to the provider configuration).</param>
    /// <param name="name">Display name for progress and errors.</param>
    IHost Connect(HostFields host, string name);
}

/// <summary>
/// The production connector: the provider configuration plus the host's overrides, resolved by
/// <see cref="SshTargetResolver"/>, on the process-wide transport (one ControlMaster per host).
/// </summary>
public sealed class SshHostConnector(SshTransport transport, ProviderConfig config) : IHostConnector
{
    public IHost Connect(HostFields host, string name) => transport.Host(SshTargetResolver.Resolve(config, host, name));
}

/// <summary>For contexts that must not reach hosts (schema, check, preview); says so if one tries.</summary>
public sealed class NoHostConnector : IHostConnector
{
    public static readonly NoHostConnector Instance = new();

    public IHost Connect(HostFields host, string name) =>
        throw new InvalidOperationException($"no host connection is available in this operation (asked for {name})");
}
