using Mvm.Framework;

namespace Mvm.Resources;

/// <summary>Every resource the provider serves. Test fixtures join only when MVM_TEST_FIXTURES=1.</summary>
public static class ResourceCatalog
{
    public static ResourceRegistry Build(Func<string, string?> env)
    {
        var resources = typeof(ResourceCatalog).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(IResource).IsAssignableFrom(t))
            .Where(t => t.Namespace == "Mvm.Resources" || (env("MVM_TEST_FIXTURES") == "1" && t.Namespace == "Mvm.Testing"))
            .Select(t => (IResource)Activator.CreateInstance(t)!);
        return new ResourceRegistry(resources);
    }
}
