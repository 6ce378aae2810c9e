using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mvm.Tests.Unit.Schema;

/// <summary>
/// Checks a package schema against the rules of the Pulumi package-schema format (name and token
/// patterns, type specs, resolvable references, required lists naming declared properties,
/// enum values matching their type) plus this project's own rules (every property described).
/// </summary>
public static partial class PackageSchemaValidator
{
    private static readonly HashSet<string> PrimitiveTypes = ["boolean", "integer", "number", "string", "array", "object"];
    private static readonly HashSet<string> BuiltinRefs = ["pulumi.json#/Any", "pulumi.json#/Asset", "pulumi.json#/Archive", "pulumi.json#/Json"];

    public static IReadOnlyList<string> Validate(JsonElement schema)
    {
        var errors = new List<string>();
        if (!schema.TryGetProperty("name", out var name) || !PackageName().IsMatch(name.GetString() ?? ""))
            errors.Add("name: missing or not matching ^[a-zA-Z][-a-zA-Z0-9_]*$");
        if (schema.TryGetProperty("version", out var version) && !SemVer().IsMatch(version.GetString() ?? ""))
            errors.Add($"version: \"{version}\" is not semver");

        var types = schema.TryGetProperty("types", out var t) ? t : default;
        var typeTokens = types.ValueKind == JsonValueKind.Object ? types.EnumerateObject().Select(p => p.Name).ToHashSet() : [];

        void CheckTypeSpec(string path, JsonElement spec)
        {
            var hasType = spec.TryGetProperty("type", out var type);
            var hasRef = spec.TryGetProperty("$ref", out var reference);
            if (hasType == hasRef) { errors.Add($"{path}: needs exactly one of type or $ref"); return; }
            if (hasRef)
            {
                var r = reference.GetString() ?? "";
                if (r.StartsWith("#/types/", StringComparison.Ordinal))
                {
                    if (!typeTokens.Contains(r["#/types/".Length..])) errors.Add($"{path}: $ref {r} does not resolve");
                }
                else if (!BuiltinRefs.Contains(r) && !r.StartsWith("#/resources/", StringComparison.Ordinal))
                    errors.Add($"{path}: $ref {r} is not a schema reference");
                return;
            }
            var typeName = type.GetString() ?? "";
            if (!PrimitiveTypes.Contains(typeName)) errors.Add($"{path}: type \"{typeName}\" is not a schema type");
            if (typeName == "array")
            {
                if (!spec.TryGetProperty("items", out var items)) errors.Add($"{path}: array without items");
                else CheckTypeSpec(path + ".items", items);
            }
            if (typeName == "object" && spec.TryGetProperty("additionalProperties", out var additional))
                CheckTypeSpec(path + ".additionalProperties", additional);
        }

        void CheckProperty(string path, JsonElement prop)
        {
            CheckTypeSpec(path, prop);
            if (!prop.TryGetProperty("description", out var d) || string.IsNullOrWhiteSpace(d.GetString()))
                errors.Add($"{path}: no description");
            if (prop.TryGetProperty("default", out var def) && prop.TryGetProperty("type", out var type))
            {
                var ok = type.GetString() switch
                {
                    "string" => def.ValueKind == JsonValueKind.String,
                    "integer" => def.ValueKind == JsonValueKind.Number && def.TryGetInt64(out _),
                    "number" => def.ValueKind == JsonValueKind.Number,
                    "boolean" => def.ValueKind is JsonValueKind.True or JsonValueKind.False,
                    _ => false,
                };
                if (!ok) errors.Add($"{path}: default {def} does not match type {type}");
            }
            foreach (var flag in new[] { "secret", "replaceOnChanges", "willReplaceOnChanges", "plain" })
                if (prop.TryGetProperty(flag, out var f) && f.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    errors.Add($"{path}.{flag}: must be a boolean");
        }

        void CheckProperties(string path, JsonElement owner, string propsKey, string requiredKey)
        {
            var declared = new HashSet<string>();
            if (owner.TryGetProperty(propsKey, out var props))
                foreach (var p in props.EnumerateObject())
                {
                    declared.Add(p.Name);
                    CheckProperty($"{path}.{propsKey}.{p.Name}", p.Value);
                }
            if (owner.TryGetProperty(requiredKey, out var required))
                foreach (var r in required.EnumerateArray())
                    if (!declared.Contains(r.GetString()!)) errors.Add($"{path}.{requiredKey}: \"{r}\" is not a declared property");
        }

        if (schema.TryGetProperty("config", out var config) && config.TryGetProperty("variables", out var variables))
            foreach (var v in variables.EnumerateObject()) CheckProperty($"config.variables.{v.Name}", v.Value);
        if (schema.TryGetProperty("provider", out var provider))
            CheckProperties("provider", provider, "inputProperties", "requiredInputs");

        if (schema.TryGetProperty("resources", out var resources))
            foreach (var r in resources.EnumerateObject())
            {
                var path = $"resources.{r.Name}";
                if (!Token().IsMatch(r.Name)) errors.Add($"{path}: token does not match pkg:module:Name");
                if (!r.Name.StartsWith(name.GetString() + ":", StringComparison.Ordinal)) errors.Add($"{path}: token is not in package {name}");
                if (!r.Value.TryGetProperty("description", out _)) errors.Add($"{path}: no description");
                CheckProperties(path, r.Value, "inputProperties", "requiredInputs");
                CheckProperties(path, r.Value, "properties", "required");
                if (r.Value.TryGetProperty("inputProperties", out var inputs) && r.Value.TryGetProperty("properties", out var outputs))
                    foreach (var i in inputs.EnumerateObject())
                        if (!outputs.TryGetProperty(i.Name, out _)) errors.Add($"{path}: input {i.Name} is missing from the output properties");
            }

        if (types.ValueKind == JsonValueKind.Object)
            foreach (var ty in types.EnumerateObject())
            {
                var path = $"types.{ty.Name}";
                if (!Token().IsMatch(ty.Name)) errors.Add($"{path}: token does not match pkg:module:Name");
                var kind = ty.Value.TryGetProperty("type", out var k) ? k.GetString() : null;
                if (ty.Value.TryGetProperty("enum", out var values))
                {
                    if (kind is not ("string" or "integer" or "number" or "boolean")) errors.Add($"{path}: enum of type {kind}");
                    foreach (var e in values.EnumerateArray())
                        if (!e.TryGetProperty("value", out var ev) || (kind == "string" && ev.ValueKind != JsonValueKind.String))
                            errors.Add($"{path}: enum value {e} does not match type {kind}");
                }
                else
                {
                    if (kind != "object") errors.Add($"{path}: object types need type object");
                    CheckProperties(path, ty.Value, "properties", "required");
                }
            }
        return errors;
    }

    [GeneratedRegex("^[a-zA-Z][-a-zA-Z0-9_]*$")]
    private static partial Regex PackageName();

    [GeneratedRegex(@"^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/]*$")]
    private static partial Regex Token();

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();
}
