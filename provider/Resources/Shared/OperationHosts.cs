using Mvm.Framework;
using Mvm.Tools;

namespace Mvm.Resources.Shared;

/// <summary>The running operation's hosts, as the cluster layer and tool clients take them.</summary>
public static class OperationHosts
{
    /// <summary>
    /// The operation's host connector (with the test plugin's decoration, if any), handing out host handles.
    /// </summary>
    public static RemoteHosts RemoteHosts(this OperationContext ctx) => new(ctx.Hosts);
}
