using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness.State;

/// <summary>One resource in the stack's state, like an entry of a Pulumi checkpoint.</summary>
public sealed class ResourceState
{
    public required string Urn { get; init; }

    public required string Type { get; init; }

    public required string Name { get; init; }

    public string Id { get; set; } = "";

    /// <summary>Checked inputs (what Check returned), secrets wrapped.</summary>
    public Struct Inputs { get; set; } = new();

    /// <summary>Outputs (Create/Update/Read properties), secrets wrapped.</summary>
    public Struct Outputs { get; set; } = new();

    /// <summary>URNs this resource depends on (references and dependsOn), excluding its provider.</summary>
    public List<string> Dependencies { get; set; } = [];

    /// <summary>Top-level input key → URNs its value was computed from (for delete-before-replace of dependents).</summary>
    public Dictionary<string, List<string>> PropertyDependencies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Provider reference "providerUrn::providerId"; null for provider resources themselves.</summary>
    public string? Provider { get; set; }

    public bool Protect { get; set; }

    public bool RetainOnDelete { get; set; }

    public CustomTimeouts CustomTimeouts { get; set; } = new();

    /// <summary>Reasons from ErrorResourceInitFailed; non-empty makes the next up issue an Update even with no diff.</summary>
    public List<string> InitErrors { get; set; } = [];

    /// <summary>The old copy of a create-before-delete replacement whose Delete has not happened yet.</summary>
    public bool PendingDelete { get; set; }

    public bool RefreshBeforeUpdate { get; set; }

    public bool IsProvider => Type.StartsWith(ResourceDeclaration.ProviderTypePrefix, StringComparison.Ordinal);

    /// <summary>"urn::id", the form resources use to name their provider.</summary>
    public string ProviderReference => $"{Urn}::{Id}";

    public ResourceState Clone() => new()
    {
        Urn = Urn,
        Type = Type,
        Name = Name,
        Id = Id,
        Inputs = Inputs.Clone(),
        Outputs = Outputs.Clone(),
        Dependencies = [.. Dependencies],
        PropertyDependencies = PropertyDependencies.ToDictionary(kv => kv.Key, kv => kv.Value.ToList(), StringComparer.Ordinal),
        Provider = Provider,
        Protect = Protect,
        RetainOnDelete = RetainOnDelete,
        CustomTimeouts = CustomTimeouts,
        InitErrors = [.. InitErrors],
        PendingDelete = PendingDelete,
        RefreshBeforeUpdate = RefreshBeforeUpdate,
    };

    public static string MakeUrn(string stack, string project, string type, string name) => $"urn:pulumi:{stack}::{project}::{type}::{name}";

    /// <summary>Splits "urn::id" at the last "::".</summary>
    public static (string Urn, string Id) ParseProviderReference(string reference)
    {
        var at = reference.LastIndexOf("::", StringComparison.Ordinal);
        return at < 0 ? (reference, "") : (reference[..at], reference[(at + 2)..]);
    }
}
