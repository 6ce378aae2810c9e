using Mvm.Core;

namespace Mvm.Tools;

/// <summary>
/// The object a tool was asked about does not exist (a domain, pool, image, bridge, unit …).
/// Every tool client maps its tool's own "not found" wording to this one type, so resources can
/// treat "already gone" the same way whatever the tool: Read returns nothing, Delete succeeds.
/// </summary>
public sealed class ObjectNotFoundException(string host, string tool, string kind, string name, string detail)
    : ProviderException($"{kind} \"{name}\" does not exist on {host} ({tool}: {detail})")
{
    public string HostName { get; } = host;
    public string Tool { get; } = tool;
    public string Kind { get; } = kind;
    public string Name { get; } = name;
}
