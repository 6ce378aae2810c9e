using System.Reflection;

namespace Mvm.Tests.Unit.Architecture;

/// <summary>The namespaces and types the provider declares, read from its assembly, to tell references apart.</summary>
public sealed class ProviderNames
{
    private readonly HashSet<string> _namespaces;
    private readonly HashSet<string> _declared;

    /// <param name="typeNames">Full names of the provider's top-level types.</param>
    public ProviderNames(IEnumerable<string> typeNames)
    {
        var types = typeNames.Where(t => !t.Contains('<') && !t.Contains('+')).ToList();
        _namespaces = types.Select(t => t.Contains('.') ? t[..t.LastIndexOf('.')] : "")
            .SelectMany(Prefixes).ToHashSet(StringComparer.Ordinal);
        _declared = [.. _namespaces, .. types];
        RootTypes = types.Where(t => t.StartsWith("Mvm.", StringComparison.Ordinal) && t.Count(c => c == '.') == 1)
            .Select(t => t[4..]).ToList();
    }

    public static ProviderNames Of(Assembly assembly) =>
        new(assembly.GetTypes().Where(t => !t.IsNested).Select(t => t.FullName!));

    /// <summary>Types of namespace Mvm (the composition root), which every Mvm.* file sees without a using.</summary>
    public IReadOnlyList<string> RootTypes { get; }

    /// <summary>True when <paramref name="name"/> is a namespace or a top-level type of the provider.</summary>
    public bool Declares(string name) => _declared.Contains(name);

    /// <summary>The longest namespace <paramref name="qualified"/> starts with (a type's namespace, or itself).</summary>
    public string NamespaceOf(string qualified)
    {
        for (var name = qualified; name.Length > 0; name = name.Contains('.') ? name[..name.LastIndexOf('.')] : "")
            if (_namespaces.Contains(name)) return name;
        return qualified;
    }

    private static IEnumerable<string> Prefixes(string ns)
    {
        for (var name = ns; name.Length > 0; name = name.Contains('.') ? name[..name.LastIndexOf('.')] : "")
            yield return name;
    }
}
