namespace Mvm.Framework;

/// <summary>Type token → resource. Tokens match case-sensitively, as the engine sends them from the schema.</summary>
public sealed class ResourceRegistry
{
    private readonly Dictionary<string, IResource> _byToken = new(StringComparer.Ordinal);

    public ResourceRegistry(IEnumerable<IResource> resources)
    {
        foreach (var r in resources) _byToken.Add(r.Token, r);
    }

    public IEnumerable<IResource> All => _byToken.Values.OrderBy(r => r.Token, StringComparer.Ordinal);

    public bool TryGet(string token, out IResource resource) => _byToken.TryGetValue(token, out resource!);
}
