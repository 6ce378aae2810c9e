using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmCluster;

// Delete: refused while the cluster holds workloads (unless forceDestroy), then every host leaves it.
public sealed partial class MvmCluster
{
    protected override Task DeleteAsync(string id, MvmClusterState state, OperationContext ctx) =>
        ClusterTeardown.RunAsync(ConnectString.Decode(state.ConnectString), Declared(state),
            force: state.ForceDestroy == true, wipeDataDevices: state.WipeDataDevicesOnDestroy == true, ctx,
            ctx.RemoteHosts());
}
