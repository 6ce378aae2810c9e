using Mvm.Framework;
using Mvm.Resources.CephPool;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.MvmHost;
using Mvm.Resources.OvsVlan;
using Mvm.Resources.VirtualImage;
using Mvm.Resources.VirtualMachine;

namespace Mvm;

/// <summary>Every resource the provider serves, listed once. Test fixtures join only when MVM_TEST_FIXTURES=1.</summary>
public static class ResourceCatalog
{
    public static ResourceRegistry Build(Func<string, string?> env)
    {
        List<IResource> resources =
        [
            new MvmCluster(), new MvmHost(), new CephPool(), new OvsVlan(), new VirtualImage(), new VirtualMachine(),
        ];
        if (env("MVM_TEST_FIXTURES") == "1") resources.Add(new Testing.FixtureResource());
        return new ResourceRegistry(resources);
    }
}
