using Google.Protobuf.WellKnownTypes;

namespace Mvm.EngineHarness.Yaml;

/// <summary>A parsed Pulumi YAML program (Pulumi.yaml) plus the stack config it runs with.</summary>
public sealed class ProgramModel
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The program directory: plugins run here and relative paths resolve from here.</summary>
    public required string Directory { get; init; }

    /// <summary>Project config declarations (`config: key: {type, default, secret}`).</summary>
    public IReadOnlyDictionary<string, ConfigDeclaration> Config { get; init; } = new Dictionary<string, ConfigDeclaration>();

    /// <summary>Namespaced values set in Pulumi.yaml itself (e.g. `mvm:sshUser: root`), overridden by stack config.</summary>
    public IReadOnlyDictionary<string, ConfigValue> ProjectConfigValues { get; init; } = new Dictionary<string, ConfigValue>();

    public IReadOnlyList<VariableDeclaration> Variables { get; init; } = [];

    public IReadOnlyList<ResourceDeclaration> Resources { get; init; } = [];

    public IReadOnlyList<OutputDeclaration> Outputs { get; init; } = [];

    /// <summary>`plugins: providers: [{name, path}]` — a local plugin directory for a package.</summary>
    public IReadOnlyList<PluginDeclaration> Plugins { get; init; } = [];

    public StackConfig Stack { get; init; } = new("dev", new Dictionary<string, ConfigValue>());

    /// <summary>Evaluation order and dependencies; computed (and validated) by the loader.</summary>
    public ProgramGraph Graph { get; internal set; } = ProgramGraph.Empty;

    public ResourceDeclaration? Resource(string name) => Resources.FirstOrDefault(r => r.Name == name);

    /// <summary>
    /// This package's provider config: Pulumi.yaml values then stack values (stack wins), namespace stripped.
    /// Values are strings, as the engine gives them to a default provider.
    /// </summary>
    public IReadOnlyDictionary<string, ConfigValue> PackageConfig(string package)
    {
        var result = new SortedDictionary<string, ConfigValue>(StringComparer.Ordinal);
        foreach (var source in new[] { ProjectConfigValues, Stack.Values })
        {
            foreach (var (key, value) in source)
            {
                if (key.StartsWith(package + ":", StringComparison.Ordinal))
                    result[key[(package.Length + 1)..]] = value;
            }
        }
        return result;
    }
}

public sealed record ConfigDeclaration(string Name, string? Type, Value? Default, bool Secret, SourceLocation Location);

/// <summary>A stack config value: Pulumi config values are strings (objects are JSON text); secure ones are secret.</summary>
public sealed record ConfigValue(string Text, bool Secret, bool IsObject = false);

public sealed record StackConfig(string Name, IReadOnlyDictionary<string, ConfigValue> Values);

public sealed record VariableDeclaration(string Name, Expr Value, SourceLocation Location);

public sealed record OutputDeclaration(string Name, Expr Value, SourceLocation Location);

public sealed record PluginDeclaration(string Name, string Path, string? Version);

public sealed record ResourceDeclaration(string Name, string Type, ObjectExpr Properties, ResourceOptionsDeclaration Options, SourceLocation Location)
{
    public const string ProviderTypePrefix = "pulumi:providers:";

    /// <summary>An explicit provider resource (`type: pulumi:providers:mvm`).</summary>
    public bool IsProvider => Type.StartsWith(ProviderTypePrefix, StringComparison.Ordinal);
}

public sealed record ResourceOptionsDeclaration
{
    public IReadOnlyList<Expr> DependsOn { get; init; } = [];

    public bool Protect { get; init; }

    public IReadOnlyList<string> IgnoreChanges { get; init; } = [];

    public CustomTimeouts CustomTimeouts { get; init; } = new();

    /// <summary>Null = not set, so the provider's DiffResponse.deleteBeforeReplace decides.</summary>
    public bool? DeleteBeforeReplace { get; init; }

    /// <summary>`provider: ${p}`, a reference to an explicit provider resource.</summary>
    public Expr? Provider { get; init; }

    public IReadOnlyList<string> ReplaceOnChanges { get; init; } = [];

    public bool RetainOnDelete { get; init; }

    public IReadOnlyList<string> AdditionalSecretOutputs { get; init; } = [];

    /// <summary>`import: <id>`: adopt an existing object instead of creating one.</summary>
    public string? Import { get; init; }
}

/// <summary>customTimeouts in seconds (the engine converts "5m" to 300.0); 0 = unset.</summary>
public sealed record CustomTimeouts(double Create = 0, double Update = 0, double Delete = 0, double Read = 0);
