using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// Connects the layers above the tools to hosts as <see cref="RemoteHost"/> handles, over the operation's host
/// connector (SSH in production, fakes in tests, the test plugin's kill switch around either).
/// </summary>
public sealed class RemoteHosts(IHostConnector connector)
{
    /// <param name="access">The host's address and SSH overrides.</param>
    /// <param name="name">Display name for progress and errors.</param>
    public RemoteHost Connect(HostAccess access, string name) => new(connector.Connect(access.SshSettings(), name));
}
