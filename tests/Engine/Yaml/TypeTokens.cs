namespace Mvm.EngineHarness.Yaml;

/// <summary>
/// Resource type tokens as Pulumi YAML resolves them (pulumi-yaml packages.go): `pkg:Type` → `pkg:index:Type`;
/// `pkg:mod:Type` is tried as written and as the legacy `pkg:mod/type:Type`; matching against the schema's
/// resource tokens is case-insensitive and yields the schema's spelling.
/// </summary>
public static class TypeTokens
{
    public static string PackageOf(string token) => token.Split(':')[0];

    public static IReadOnlyList<string> Candidates(string token)
    {
        var parts = token.Split(':');
        return parts.Length switch
        {
            2 => [$"{parts[0]}:index:{parts[1]}"],
            3 => parts[1].Contains('/')
                ? [token]
                : [token, $"{parts[0]}:{parts[1]}/{LowerFirst(parts[2])}:{parts[2]}"],
            _ => throw new FormatException($"invalid type token '{token}' (expected pkg:Type or pkg:module:Type)"),
        };
    }

    /// <summary>Expansion without a schema: the first candidate.</summary>
    public static string Expand(string token) => Candidates(token)[0];

    /// <summary>
    /// Resolves <paramref name="token"/> against <paramref name="schemaTokens"/> (null = no schema: just expand).
    /// Throws FormatException naming the known tokens when nothing matches.
    /// </summary>
    public static string Resolve(string token, IReadOnlyCollection<string>? schemaTokens)
    {
        if (token.StartsWith(ResourceDeclaration.ProviderTypePrefix, StringComparison.Ordinal))
            return token;
        var candidates = Candidates(token);
        if (schemaTokens is null || schemaTokens.Count == 0)
            return candidates[0];
        foreach (var candidate in candidates)
        {
            var match = schemaTokens.FirstOrDefault(t => string.Equals(t, candidate, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
                return match;
        }
        throw new FormatException($"unknown resource type '{token}' (tried {string.Join(", ", candidates)}); the provider schema has: {string.Join(", ", schemaTokens.OrderBy(t => t, StringComparer.Ordinal))}");
    }

    private static string LowerFirst(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];
}
