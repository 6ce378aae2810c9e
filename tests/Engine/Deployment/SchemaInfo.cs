using System.Text.Json;

namespace Mvm.EngineHarness.Deployment;

/// <summary>What the harness needs from the provider schema: resource tokens and which properties are secret.</summary>
public sealed class SchemaInfo
{
    public IReadOnlyList<string> ResourceTokens { get; init; } = [];

    /// <summary>Resource token → property names with `secret: true` (outputs or inputs).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> SecretProperties { get; init; } = new Dictionary<string, IReadOnlySet<string>>();

    public string Json { get; init; } = "";

    public static SchemaInfo Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var tokens = new List<string>();
        var secrets = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        if (doc.RootElement.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Object)
        {
            foreach (var resource in resources.EnumerateObject())
            {
                tokens.Add(resource.Name);
                var secret = new HashSet<string>(StringComparer.Ordinal);
                foreach (var section in new[] { "properties", "inputProperties" })
                {
                    if (!resource.Value.TryGetProperty(section, out var props) || props.ValueKind != JsonValueKind.Object)
                        continue;
                    foreach (var p in props.EnumerateObject())
                    {
                        if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.True)
                            secret.Add(p.Name);
                    }
                }
                secrets[resource.Name] = secret;
            }
        }
        return new SchemaInfo { ResourceTokens = tokens, SecretProperties = secrets, Json = json };
    }
}
