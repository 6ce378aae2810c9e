using Mvm.Framework;
using Mvm.Resources.CephPool;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.MvmHost;
using Mvm.Resources.OvsVlan;
using Mvm.Resources.VirtualImage;
using Mvm.Resources.VirtualMachine;

namespace Mvm;

/// <summary>Every resource the provider serves, listed once.</summary>
public static class ResourceCatalog
{
    /// <summary>New instances each call, so a test build can serve these plus its own.</summary>
    public static IReadOnlyList<IResource> All() =>
    [
        new MvmCluster(), new MvmHost(), new CephPool(), new OvsVlan(), new VirtualImage(), new VirtualMachine(),
    ];

    public static ResourceRegistry Build() => new(All());
}
