using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Mvm.Tests.Unit.Schema;

/// <summary>
/// docs/ in the registry layout says what schema.json says: every setting and its environment variable, default
/// and secrecy in installation-configuration.md; in _index.md only resources, properties, outputs, types and enum
/// members that the schema declares (the examples cannot be run here: no Pulumi CLI or SDK package).
/// </summary>
public partial class RegistryDocsTests
{
    private static readonly JsonElement Schema =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema.json"))).RootElement;

    private static string Doc(string name) => File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", name));

    private static IEnumerable<string> CodeBlocks(string doc, string language) =>
        CodeBlock().Matches(doc).Where(m => m.Groups["lang"].Value == language).Select(m => m.Groups["code"].Value);

    private static string Pascal(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    [Fact]
    public void EverySettingIsDocumentedWithItsVariableDefaultAndSecrecy()
    {
        var rows = Doc("installation-configuration.md").Split('\n').Select(l => SettingRow().Match(l.TrimEnd()))
            .Where(m => m.Success).ToDictionary(m => m.Groups["key"].Value);
        var problems = new List<string>();
        foreach (var setting in Schema.GetProperty("config").GetProperty("variables").EnumerateObject())
        {
            if (!rows.TryGetValue(setting.Name, out var row))
            {
                problems.Add($"mvm:{setting.Name} has no row");
                continue;
            }
            var env = setting.Value.TryGetProperty("defaultInfo", out var info)
                ? info.GetProperty("environment")[0].GetString()! : "";
            if (row.Groups["env"].Value != (env.Length > 0 ? $"`{env}`" : ""))
                problems.Add($"mvm:{setting.Name}: variable {row.Groups["env"].Value}, schema says {env}");
            if (setting.Value.TryGetProperty("default", out var def) &&
                row.Groups["default"].Value != $"`{def.ToString().ToLowerInvariant()}`")
                problems.Add($"mvm:{setting.Name}: default {row.Groups["default"].Value}, schema says {def}");
            var secret = setting.Value.TryGetProperty("secret", out var s) && s.GetBoolean();
            if ((row.Groups["secret"].Value == "yes") != secret)
                problems.Add($"mvm:{setting.Name}: secret column says {row.Groups["secret"].Value}, schema {secret}");
        }
        problems.AddRange(rows.Keys.Where(k => !Schema.GetProperty("config").GetProperty("variables").TryGetProperty(
            k, out _)).Select(k => $"mvm:{k} is documented but not a setting"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryDocumentedVariableIsOneTheProviderReads()
    {
        var known = Schema.GetProperty("config").GetProperty("variables").EnumerateObject()
            .Where(v => v.Value.TryGetProperty("defaultInfo", out _))
            .Select(v => v.Value.GetProperty("defaultInfo").GetProperty("environment")[0].GetString()).ToHashSet();
        var documented = MvmVariable().Matches(Doc("installation-configuration.md") + Doc("_index.md"))
            .Select(m => m.Value).ToHashSet();
        var unknown = documented.Where(v => !known.Contains(v)).ToList();
        Assert.True(unknown.Count == 0, "no such setting variable: " + string.Join(", ", unknown));
    }

    [Fact]
    public void YamlExamplesUseOnlyDeclaredResourcesPropertiesAndOutputs()
    {
        var problems = new List<string>();
        var resourcesSeen = 0;
        foreach (var code in CodeBlocks(Doc("_index.md"), "yaml"))
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(code));
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            if (!root.Children.TryGetValue("resources", out var resources)) continue;
            var types = new Dictionary<string, JsonElement>();
            foreach (var (name, node) in (YamlMappingNode)resources)
            {
                resourcesSeen++;
                var token = ((YamlScalarNode)node["type"]).Value!;
                if (!Schema.GetProperty("resources").TryGetProperty(token, out var resource))
                {
                    problems.Add($"{name}: no resource {token}");
                    continue;
                }
                types[((YamlScalarNode)name).Value!] = resource;
                if (((YamlMappingNode)node).Children.TryGetValue("properties", out var props))
                    CheckObject($"{name}", resource.GetProperty("inputProperties"), props, problems);
            }
            foreach (Match m in OutputReference().Matches(code))
                if (types.TryGetValue(m.Groups["res"].Value, out var r) &&
                    !r.GetProperty("properties").TryGetProperty(m.Groups["prop"].Value, out _))
                    problems.Add($"{m.Value}: not an output of {m.Groups["res"].Value}");
        }
        Assert.True(resourcesSeen >= 4, $"only {resourcesSeen} resources in _index.md's YAML examples");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static void CheckObject(string path, JsonElement properties, YamlNode node, List<string> problems)
    {
        if (node is not YamlMappingNode mapping) { problems.Add($"{path}: not an object"); return; }
        foreach (var (key, value) in mapping)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (!properties.TryGetProperty(name, out var spec)) problems.Add($"{path}.{name}: not declared");
            else CheckValue($"{path}.{name}", spec, value, problems);
        }
    }

    private static void CheckValue(string path, JsonElement spec, YamlNode node, List<string> problems)
    {
        if (node is YamlScalarNode { Value: { } s } && s.StartsWith("${", StringComparison.Ordinal)) return;
        if (spec.TryGetProperty("$ref", out var reference))
        {
            var type = Schema.GetProperty("types").GetProperty(reference.GetString()!["#/types/".Length..]);
            if (type.TryGetProperty("enum", out var members))
            {
                var value = (node as YamlScalarNode)?.Value;
                if (!members.EnumerateArray().Any(e => e.GetProperty("value").GetString() == value))
                    problems.Add($"{path}: {value} is not a value of the enum");
            }
            else CheckObject(path, type.GetProperty("properties"), node, problems);
            return;
        }
        switch (spec.GetProperty("type").GetString())
        {
            case "array" when node is YamlSequenceNode items:
                var i = 0;
                foreach (var item in items) CheckValue($"{path}[{i++}]", spec.GetProperty("items"), item, problems);
                break;
            case "array":
                problems.Add($"{path}: not a list");
                break;
            case "object" when node is not YamlMappingNode:
                problems.Add($"{path}: not a map");
                break;
            case "string" or "integer" or "number" or "boolean" when node is not YamlScalarNode:
                problems.Add($"{path}: not a single value");
                break;
        }
    }

    [Fact]
    public void CSharpExamplesUseOnlyDeclaredClassesPropertiesAndEnumMembers()
    {
        var resources = Schema.GetProperty("resources").EnumerateObject().ToDictionary(r => r.Name.Split(':')[2]);
        var types = Schema.GetProperty("types").EnumerateObject().ToDictionary(t => t.Name.Split(':')[2], t => t.Value);
        // What C# code may assign: the Pascal-cased input and output names of the schema, and Pulumi's own options.
        var assignable = new HashSet<string> { "CustomTimeouts", "Create", "Update", "Delete" };
        foreach (var r in resources.Values)
        {
            assignable.UnionWith(r.Value.GetProperty("inputProperties").EnumerateObject().Select(p => Pascal(p.Name)));
            assignable.UnionWith(r.Value.GetProperty("properties").EnumerateObject().Select(p => Pascal(p.Name)));
        }
        foreach (var t in types.Values.Where(t => t.TryGetProperty("properties", out _)))
            assignable.UnionWith(t.GetProperty("properties").EnumerateObject().Select(p => Pascal(p.Name)));

        var problems = new List<string>();
        var blocks = CodeBlocks(Doc("_index.md"), "csharp").ToList();
        Assert.True(blocks.Count >= 2, "_index.md should show C# beside YAML");
        foreach (var code in blocks)
        {
            foreach (Match m in MvmName().Matches(code))
            {
                var (inputs, name, member) = (m.Groups["inputs"].Success, m.Groups["name"].Value, m.Groups["member"]);
                bool IsEnumMember(JsonElement type) => type.TryGetProperty("enum", out var members) &&
                    member.Success && members.EnumerateArray().Any(x => x.GetProperty("name").GetString() == member.Value);
                var known = inputs
                    ? name.EndsWith("Args") && types.TryGetValue(name[..^4], out var t) && !t.TryGetProperty("enum", out _)
                    : resources.ContainsKey(name) || (name.EndsWith("Args") && resources.ContainsKey(name[..^4])) ||
                      (types.TryGetValue(name, out var e) && IsEnumMember(e));
                if (!known) problems.Add($"{m.Value}: not a class, args class or enum member of the SDK");
            }
            foreach (Match m in Assignment().Matches(code))
                if (!assignable.Contains(m.Groups["name"].Value))
                    problems.Add($"{m.Groups["name"].Value} = …: no such property");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [GeneratedRegex(@"^```(?<lang>[a-z]+)\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    // | `mvm:<key>` | <variable> | <type> | <default> | <secret> | <what it does> |
    [GeneratedRegex(
        @"\A\| `mvm:(?<key>\w+)` \| (?<env>[^|]*?) ?\| [^|]+ \| (?<default>[^|]*?) ?\| (?<secret>[^|]*?) ?\| .+\|\z")]
    private static partial Regex SettingRow();

    [GeneratedRegex(@"\bMVM_[A-Z_]+\b")]
    private static partial Regex MvmVariable();

    [GeneratedRegex(@"\$\{(?<res>\w+)\.(?<prop>\w+)\}")]
    private static partial Regex OutputReference();

    [GeneratedRegex(@"\bMvm\.(?<inputs>Inputs\.)?(?<name>[A-Z]\w*)(?:\.(?<member>[A-Z]\w*))?")]
    private static partial Regex MvmName();

    [GeneratedRegex(@"(?<![\w.] ?)(?<name>[A-Z]\w*) = ")]
    private static partial Regex Assignment();
}
