using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Mvm.EngineHarness.Values;

namespace Mvm.EngineHarness.Yaml;

/// <summary>
/// Loads a Pulumi YAML program (Pulumi.yaml) and its stack config (Pulumi.&lt;stack&gt;.yaml).
/// Stack config secure values: `{secure: &lt;ciphertext&gt;}`, as `mvm-engine config set --secret` writes them, are
/// decrypted with the stack's secrets provider (<see cref="Secrets.StackSecrets"/>). `{secret: &lt;plaintext&gt;}` is
/// also accepted (for inline test programs: plaintext on disk) and treated exactly like a decrypted secure value.
/// </summary>
public static class ProgramLoader
{
    private static readonly HashSet<string> ResourceKeys = ["type", "properties", "options"];

    private static readonly HashSet<string> SupportedOptions =
    [
        "dependsOn", "protect", "ignoreChanges", "customTimeouts", "deleteBeforeReplace", "provider",
        "replaceOnChanges", "retainOnDelete", "additionalSecretOutputs", "import",
    ];

    /// <summary>Reads DIR/Pulumi.yaml (or .yml) and DIR/Pulumi.&lt;stack&gt;.yaml if present.</summary>
    public static ProgramModel LoadDirectory(string directory, string stack, Secrets.ISecretCrypter? secrets = null)
    {
        var dir = Path.GetFullPath(directory);
        var projectFile = new[] { "Pulumi.yaml", "Pulumi.yml" }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists)
            ?? throw new ProgramException(new SourceLocation(dir, 0, 0), "no Pulumi.yaml found (is --cwd the program directory?)");
        var stackFile = new[] { $"Pulumi.{stack}.yaml", $"Pulumi.{stack}.yml" }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists);
        return Parse(File.ReadAllText(projectFile), stackFile is null ? null : File.ReadAllText(stackFile), stack, dir, projectFile, stackFile, secrets);
    }

    /// <summary>Parses program text (tests write programs inline). Validates references and cycles.</summary>
    public static ProgramModel Parse(string pulumiYaml, string? stackYaml = null, string stack = "dev", string? directory = null,
                                     string projectFileName = "Pulumi.yaml", string? stackFileName = null, Secrets.ISecretCrypter? secrets = null)
    {
        var file = projectFileName;
        var root = LoadMapping(pulumiYaml, file);
        var errors = new List<string>();

        var name = YamlNodes.Scalar(YamlNodes.Get(root, "name"));
        if (string.IsNullOrWhiteSpace(name))
            errors.Add($"{file}: `name` is required");
        var runtime = YamlNodes.Get(root, "runtime");
        var runtimeName = runtime is YamlMappingNode rm ? YamlNodes.Scalar(YamlNodes.Get(rm, "name")) : YamlNodes.Scalar(runtime);
        if (runtimeName != "yaml")
            errors.Add($"{file}: runtime must be `yaml` (got '{runtimeName ?? "<missing>"}'); the harness only runs Pulumi YAML programs");

        var configSection = Collect(errors, () => ParseConfig(file, YamlNodes.Get(root, "config"), name ?? ""));
        var variables = Collect(errors, () => ParseNamed(file, YamlNodes.Get(root, "variables"), (n, node) => new VariableDeclaration(n, YamlNodes.ToExpr(file, node), YamlNodes.Where(file, node))));
        var resources = Collect(errors, () => ParseNamed(file, YamlNodes.Get(root, "resources"), (n, node) => ParseResource(file, n, node)));
        var outputs = Collect(errors, () => ParseNamed(file, YamlNodes.Get(root, "outputs"), (n, node) => new OutputDeclaration(n, YamlNodes.ToExpr(file, node), YamlNodes.Where(file, node))));
        var plugins = Collect(errors, () => ParsePlugins(file, YamlNodes.Get(root, "plugins")));
        var stackConfig = Collect(errors, () => ParseStackConfig(stackYaml, stack, stackFileName ?? $"Pulumi.{stack}.yaml", name ?? "", secrets),
            new StackConfig(stack, new Dictionary<string, ConfigValue>()));
        if (errors.Count > 0)
            throw new ProgramException(errors);

        var program = new ProgramModel
        {
            Name = name!,
            Description = YamlNodes.Scalar(YamlNodes.Get(root, "description")),
            Directory = Path.GetFullPath(directory ?? Directory.GetCurrentDirectory()),
            Config = configSection.Declarations,
            ProjectConfigValues = configSection.Values,
            Variables = variables,
            Resources = resources,
            Outputs = outputs,
            Plugins = plugins,
            Stack = stackConfig,
        };
        program.Graph = ProgramGraph.Build(program);
        return program;
    }

    private static T Collect<T>(List<string> errors, Func<T> parse) where T : new() => Collect(errors, parse, new T());

    private static T Collect<T>(List<string> errors, Func<T> parse, T fallback)
    {
        try
        {
            return parse();
        }
        catch (ProgramException e)
        {
            errors.AddRange(e.Errors);
            return fallback;
        }
    }

    internal static YamlMappingNode LoadMapping(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ProgramException(new SourceLocation(file, (int)e.Start.Line, (int)e.Start.Column), $"invalid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ProgramException(new SourceLocation(file, 1, 1), "expected a YAML mapping at the top level");
        return root;
    }

    private static List<T> ParseNamed<T>(string file, YamlNode? section, Func<string, YamlNode, T> parse)
    {
        var result = new List<T>();
        if (section is null || section is YamlScalarNode { Value: null or "" })
            return result;
        if (section is not YamlMappingNode map)
            throw new ProgramException(YamlNodes.Where(file, section), "expected a mapping of names");
        var errors = new List<string>();
        foreach (var (key, value) in map.Children)
        {
            try
            {
                result.Add(parse(YamlNodes.KeyOf(file, key), value));
            }
            catch (ProgramException e)
            {
                errors.AddRange(e.Errors);
            }
        }
        if (errors.Count > 0)
            throw new ProgramException(errors);
        return result;
    }

    private static ResourceDeclaration ParseResource(string file, string name, YamlNode node)
    {
        var where = YamlNodes.Where(file, node);
        if (node is not YamlMappingNode map)
            throw new ProgramException(where, $"resource '{name}' must be a mapping with `type`");
        foreach (var key in map.Children.Keys.Select(k => YamlNodes.KeyOf(file, k)).Where(k => !ResourceKeys.Contains(k)))
            throw new ProgramException(where, $"resource '{name}': unsupported field `{key}` (supported: {string.Join(", ", ResourceKeys)})");
        var type = YamlNodes.Scalar(YamlNodes.Get(map, "type"));
        if (string.IsNullOrWhiteSpace(type))
            throw new ProgramException(where, $"resource '{name}' has no `type`");

        var propsNode = YamlNodes.Get(map, "properties");
        ObjectExpr properties;
        if (propsNode is null or YamlScalarNode { Value: null or "" })
            properties = new ObjectExpr([], where);
        else if (propsNode is YamlMappingNode && YamlNodes.ToExpr(file, propsNode) is ObjectExpr o)
            properties = o;
        else
            throw new ProgramException(YamlNodes.Where(file, propsNode), $"resource '{name}': `properties` must be a mapping of property names");
        return new ResourceDeclaration(name, type.Trim(), properties, ParseOptions(file, name, YamlNodes.Get(map, "options")), where);
    }

    private static ResourceOptionsDeclaration ParseOptions(string file, string resource, YamlNode? node)
    {
        if (node is null)
            return new ResourceOptionsDeclaration();
        if (node is not YamlMappingNode map)
            throw new ProgramException(YamlNodes.Where(file, node), $"resource '{resource}': `options` must be a mapping");
        foreach (var (k, _) in map.Children)
        {
            var key = YamlNodes.KeyOf(file, k);
            if (!SupportedOptions.Contains(key))
                throw new ProgramException(YamlNodes.Where(file, k), $"resource '{resource}': option `{key}` is not supported by the mvm-engine harness (supported: {string.Join(", ", SupportedOptions)})");
        }

        var dependsOnNode = YamlNodes.Get(map, "dependsOn");
        var dependsOn = dependsOnNode switch
        {
            null => [],
            YamlSequenceNode seq => seq.Children.Select(c => YamlNodes.ToExpr(file, c)).ToList(),
            _ => new List<Expr> { YamlNodes.ToExpr(file, dependsOnNode) },
        };

        var timeouts = new CustomTimeouts();
        if (YamlNodes.Get(map, "customTimeouts") is { } ctNode)
        {
            if (ctNode is not YamlMappingNode ctMap)
                throw new ProgramException(YamlNodes.Where(file, ctNode), "customTimeouts must be a mapping of create/update/delete durations");
            double Duration(string key)
            {
                var v = YamlNodes.Get(ctMap, key);
                if (v is null)
                    return 0;
                try
                {
                    return Durations.ParseSeconds(YamlNodes.Scalar(v) ?? "");
                }
                catch (FormatException e)
                {
                    throw new ProgramException(YamlNodes.Where(file, v), $"customTimeouts.{key}: {e.Message}");
                }
            }
            foreach (var (k, _) in ctMap.Children)
            {
                var key = YamlNodes.KeyOf(file, k);
                if (key is not ("create" or "update" or "delete" or "read"))
                    throw new ProgramException(YamlNodes.Where(file, k), $"customTimeouts: unknown key `{key}` (create, update, delete; `read` is a harness extension)");
            }
            timeouts = new CustomTimeouts(Duration("create"), Duration("update"), Duration("delete"), Duration("read"));
        }

        var providerNode = YamlNodes.Get(map, "provider");
        return new ResourceOptionsDeclaration
        {
            DependsOn = dependsOn,
            Protect = YamlNodes.Bool(file, YamlNodes.Get(map, "protect")) ?? false,
            IgnoreChanges = YamlNodes.StringList(file, YamlNodes.Get(map, "ignoreChanges")),
            CustomTimeouts = timeouts,
            DeleteBeforeReplace = YamlNodes.Bool(file, YamlNodes.Get(map, "deleteBeforeReplace")),
            Provider = providerNode is null ? null : YamlNodes.ToExpr(file, providerNode),
            ReplaceOnChanges = YamlNodes.StringList(file, YamlNodes.Get(map, "replaceOnChanges")),
            RetainOnDelete = YamlNodes.Bool(file, YamlNodes.Get(map, "retainOnDelete")) ?? false,
            AdditionalSecretOutputs = YamlNodes.StringList(file, YamlNodes.Get(map, "additionalSecretOutputs")),
            Import = YamlNodes.Scalar(YamlNodes.Get(map, "import")),
        };
    }

    private sealed class ConfigSection
    {
        public Dictionary<string, ConfigDeclaration> Declarations { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ConfigValue> Values { get; } = new(StringComparer.Ordinal);
    }

    private static ConfigSection ParseConfig(string file, YamlNode? node, string project)
    {
        var section = new ConfigSection();
        var declarations = section.Declarations;
        var values = section.Values;
        if (node is null || node is YamlScalarNode { Value: null or "" })
            return section;
        if (node is not YamlMappingNode map)
            throw new ProgramException(YamlNodes.Where(file, node), "`config` must be a mapping");
        foreach (var (k, v) in map.Children)
        {
            var key = YamlNodes.KeyOf(file, k);
            var where = YamlNodes.Where(file, k);
            var ns = key.Contains(':') ? key[..key.IndexOf(':')] : null;
            if (ns is not null && ns != project)
            {
                // Another package's value set at project level, e.g. `mvm:sshUser: root` or `{value: root}`.
                var valueNode = v is YamlMappingNode vm && YamlNodes.Get(vm, "value") is { } inner ? inner : v;
                values[key] = ToConfigValue(file, valueNode, secret: false);
                continue;
            }
            var bare = ns is null ? key : key[(ns.Length + 1)..];
            if (v is YamlMappingNode decl)
            {
                var type = YamlNodes.Scalar(YamlNodes.Get(decl, "type"));
                if (type is not (null or "string" or "integer" or "number" or "boolean" or "array" or "object"))
                    throw new ProgramException(where, $"config '{key}': unknown type '{type}'");
                var def = YamlNodes.Get(decl, "default") is { } d ? YamlNodes.ToValue(file, d) : null;
                declarations[bare] = new ConfigDeclaration(bare, type, def, YamlNodes.Bool(file, YamlNodes.Get(decl, "secret")) ?? false, where);
            }
            else
            {
                // Shorthand: `key: value` is a declaration with a default.
                declarations[bare] = new ConfigDeclaration(bare, null, YamlNodes.ToValue(file, v), false, where);
            }
        }
        return section;
    }

    private static List<PluginDeclaration> ParsePlugins(string file, YamlNode? node)
    {
        var result = new List<PluginDeclaration>();
        if (node is not YamlMappingNode map || YamlNodes.Get(map, "providers") is not YamlSequenceNode providers)
            return result;
        foreach (var p in providers.Children.OfType<YamlMappingNode>())
        {
            var name = YamlNodes.Scalar(YamlNodes.Get(p, "name"));
            var path = YamlNodes.Scalar(YamlNodes.Get(p, "path"));
            if (name is null || path is null)
                throw new ProgramException(YamlNodes.Where(file, p), "plugins.providers entries need `name` and `path`");
            result.Add(new PluginDeclaration(name, path, YamlNodes.Scalar(YamlNodes.Get(p, "version"))));
        }
        return result;
    }

    /// <summary>Parses Pulumi.&lt;stack&gt;.yaml. Bare keys are taken as project keys.</summary>
    public static StackConfig ParseStackConfig(string? text, string stack, string file, string project, Secrets.ISecretCrypter? secrets = null)
    {
        var values = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
            return new StackConfig(stack, values);
        var root = LoadMapping(text, file);
        if (YamlNodes.Get(root, "config") is not { } configNode || configNode is YamlScalarNode { Value: null or "" })
            return new StackConfig(stack, values);
        if (configNode is not YamlMappingNode config)
            throw new ProgramException(YamlNodes.Where(file, configNode), "`config` must be a mapping");
        foreach (var (k, v) in config.Children)
        {
            var key = YamlNodes.KeyOf(file, k);
            var qualified = key.Contains(':') ? key : $"{project}:{key}";
            if (v is YamlMappingNode m && m.Children.Count == 1)
            {
                var only = YamlNodes.KeyOf(file, m.Children.First().Key);
                if (only == "secure")
                {
                    values[qualified] = new ConfigValue(DecryptConfig(file, key, m.Children.First().Value, secrets), Secret: true);
                    continue;
                }
                if (only == "secret")
                {
                    values[qualified] = ToConfigValue(file, m.Children.First().Value, secret: true);
                    continue;
                }
            }
            values[qualified] = ToConfigValue(file, v, secret: false);
        }
        return new StackConfig(stack, values);
    }

    private static string DecryptConfig(string file, string key, YamlNode node, Secrets.ISecretCrypter? secrets)
    {
        var where = YamlNodes.Where(file, node);
        if (secrets is null)
            throw new ProgramException(where, $"config '{key}': a `secure:` value needs the stack's secrets provider (load the program through the engine)");
        if (node is not YamlScalarNode { Value: { Length: > 0 } ciphertext })
            throw new ProgramException(where, $"config '{key}': `secure:` must hold the ciphertext written by `mvm-engine config set --secret`");
        try
        {
            return secrets.Decrypt(ciphertext);
        }
        catch (Secrets.SecretDecryptionException e)
        {
            throw new ProgramException(where, $"config '{key}': cannot decrypt the `secure:` value: {e.Message}");
        }
    }

    /// <summary>Config values are strings; structured values become their JSON text (as `pulumi config set --path` stores them).</summary>
    private static ConfigValue ToConfigValue(string file, YamlNode node, bool secret)
    {
        if (node is YamlScalarNode s)
            return new ConfigValue(s.Value ?? "", secret);
        var value = YamlNodes.ToValue(file, node);
        return new ConfigValue(PropertyValues.ToJson(value), secret, IsObject: true);
    }

    /// <summary>Converts a config string to the declared type (stack values are always strings).</summary>
    public static Value Typed(ConfigValue value, string? type, SourceLocation where, string key)
    {
        Value Fail() => throw new ProgramException(where, $"config '{key}': '{value.Text}' is not a valid {type}");
        Value v = type switch
        {
            "integer" => long.TryParse(value.Text, out var l) ? Value.ForNumber(l) : Fail(),
            "number" => double.TryParse(value.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? Value.ForNumber(d) : Fail(),
            "boolean" => value.Text is "true" or "false" ? Value.ForBool(value.Text == "true") : Fail(),
            "array" or "object" => TryJson(value.Text) ?? Fail(),
            _ when value.IsObject => TryJson(value.Text) ?? Value.ForString(value.Text),
            _ => Value.ForString(value.Text),
        };
        return value.Secret ? PropertyValues.Secret(v) : v;
    }

    private static Value? TryJson(string text)
    {
        try
        {
            return PropertyValues.FromJson(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
