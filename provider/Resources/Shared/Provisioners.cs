using Mvm.Cluster;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>The cluster layer's provisioner, wired to the running operation.</summary>
public static class Provisioners
{
    /// <summary>
    /// A provisioner that runs its steps in <paramref name="ctx"/>, reaches hosts through its connector and waits
    /// for Ceph health as long as the provider's cephHealthTimeout says.
    /// </summary>
    public static ClusterProvisioner For(ClusterSettings settings, OperationContext ctx) =>
        new(settings, ctx, ctx.RemoteHosts(), HealthWaitOptions.LimitFrom(ctx.Config.CephHealthTimeout));
}
