using System.Reflection;
using System.Text.Json;
using Mvm.Framework;

namespace Mvm.Tests.Unit.Schema;

public class SchemaTests
{
    private static string Version =>
        typeof(MvmProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    private static string Generated => SchemaGenerator.Generate(ResourceCatalog.Build(), Version);

    [Fact]
    public void CheckedInSchemaMatchesTheCode()
    {
        var checkedIn = File.ReadAllText(Path.Combine(RepoPaths.Root, "schema.json"));
        Assert.True(checkedIn == Generated, "schema.json drifted from the resource records: run `make schema` and commit the result");
    }

    [Fact]
    public void SchemaIsAValidPackageSchema()
    {
        var errors = PackageSchemaValidator.Validate(JsonDocument.Parse(Generated).RootElement);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void ValidatorCatchesBrokenSchemas()
    {
        var broken = """
        {"name": "9bad", "resources": {"mvm:index:X": {"description": "x",
          "inputProperties": {"a": {"type": "strin", "description": "a"}, "b": {"$ref": "#/types/mvm:index:Nope", "description": "b"}},
          "requiredInputs": ["c"], "properties": {"a": {"type": "string"}}}}}
        """;
        var errors = PackageSchemaValidator.Validate(JsonDocument.Parse(broken).RootElement);
        Assert.Contains(errors, e => e.StartsWith("name:"));
        Assert.Contains(errors, e => e.Contains("type \"strin\""));
        Assert.Contains(errors, e => e.Contains("does not resolve"));
        Assert.Contains(errors, e => e.Contains("\"c\" is not a declared property"));
        Assert.Contains(errors, e => e.Contains("properties.a: no description"));
    }

    [Fact]
    public void AllSixResourcesAreDeclared()
    {
        var resources = JsonDocument.Parse(Generated).RootElement.GetProperty("resources").EnumerateObject().Select(r => r.Name);
        Assert.Equal(["mvm:index:CephPool", "mvm:index:MvmCluster", "mvm:index:MvmHost", "mvm:index:OvsVlan",
            "mvm:index:VirtualImage", "mvm:index:VirtualMachine"], resources.Order());
    }

    [Fact]
    public void CredentialsAreSecretEverywhere()
    {
        var schema = JsonDocument.Parse(Generated).RootElement;
        var offenders = new List<string>();
        void Walk(string path, JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object) return;
            foreach (var p in e.EnumerateObject())
            {
                var lower = p.Name.ToLowerInvariant();
                var looksSecret = (lower.Contains("password") || lower.Contains("privatekey") || lower == "connectstring") && !lower.EndsWith("file");
                if (looksSecret && p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("description", out _) &&
                    !(p.Value.TryGetProperty("secret", out var s) && s.GetBoolean()))
                    offenders.Add($"{path}.{p.Name}");
                Walk($"{path}.{p.Name}", p.Value);
            }
        }
        Walk("", schema);
        Assert.True(offenders.Count == 0, "not marked secret: " + string.Join(", ", offenders));
    }

    [Fact]
    public void TestFixturesNeverReachTheSchema() =>
        Assert.DoesNotContain("mvm:testing:", Generated);
}
