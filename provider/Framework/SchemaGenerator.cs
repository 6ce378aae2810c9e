using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mvm.Framework.Config;
using Mvm.Core;

namespace Mvm.Framework;

/// <summary>
/// Builds the Pulumi package schema (schema.json) from the resource records, so the schema can
/// never say something the code does not do. Output is deterministic: declaration order for
/// properties, ordinal order for tokens.
/// </summary>
public static class SchemaGenerator
{
    public const string Package = "mvm";

    public static string Generate(ResourceRegistry registry, string version)
    {
        var types = new SortedDictionary<string, Shape>(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using
            (var w = new Utf8JsonWriter(stream,
            new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", Package);
            w.WriteString("version", version);
            PackageMetadata.WriteDescriptive(w);
            w.WriteStartObject("meta");
            w.WriteString("moduleFormat", "(.*)");
            w.WriteEndObject();

            var configModel = ObjectModel.Of(typeof(ProviderConfig));
            w.WriteStartObject("config");
            w.WriteStartObject("variables");
            foreach (var p in configModel.Inputs) WriteProperty(w, p, types, config: true);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("provider");
            w.WriteString("description",
                "The mvm provider: how to reach and log in to the hosts, and default operation timeouts. Every SSH " +
                "setting can be overridden per host.");
            w.WriteStartObject("inputProperties");
            foreach (var p in configModel.Inputs) WriteProperty(w, p, types, config: true);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("resources");
            foreach (var r in registry.All)
            {
                w.WriteStartObject(r.Token);
                w.WriteString("description", r.Info.Description);
                var args = ObjectModel.Of(r.ArgsType);
                var state = ObjectModel.Of(r.StateType);
                w.WriteStartObject("inputProperties");
                foreach (var p in args.Inputs) WriteProperty(w, p, types);
                w.WriteEndObject();
                WriteNames(w, "requiredInputs", args.Inputs.Where(p => p.Required));
                w.WriteStartObject("properties");
                foreach (var p in state.Properties) WriteProperty(w, p, types, output: true);
                w.WriteEndObject();
                WriteNames(w, "required", state.Properties.Where(p => p.Required || p.Output?.Always == true));
                w.WriteEndObject();
            }
            w.WriteEndObject();

            w.WriteStartObject("types");
            // Writing a type can discover more types; loop until none is new.
            var written = new HashSet<string>(StringComparer.Ordinal);
            while (types.Keys.FirstOrDefault(k => !written.Contains(k)) is { } token)
            {
                written.Add(token);
                WriteType(w, token, types[token], types);
            }
            w.WriteEndObject();

            w.WriteStartObject("functions");
            w.WriteEndObject();

            PackageMetadata.WriteLanguage(w, Package);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteNames(Utf8JsonWriter w, string name, IEnumerable<PropertyModel> props)
    {
        var list = props.Select(p => p.WireName).ToList();
        if (list.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var n in list) w.WriteStringValue(n);
        w.WriteEndArray();
    }

    private static void WriteType(Utf8JsonWriter w, string token, Shape shape, SortedDictionary<string, Shape> types)
    {
        var type = shape.ClrType;
        w.WriteStartObject(token);
        if (type.IsEnum)
        {
            var attr = type.GetCustomAttribute<EnumTypeAttribute>()!;
            w.WriteString("description", attr.Description);
            w.WriteString("type", "string");
            w.WriteStartArray("enum");
            foreach (var (value, description, member) in EnumValues.All(type))
            {
                w.WriteStartObject();
                w.WriteString("name", member.ToString());
                w.WriteString("value", value);
                w.WriteString("description", description);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else
        {
            var attr = type.GetCustomAttribute<ObjectTypeAttribute>()!;
            var model = ObjectModel.Of(type);
            w.WriteString("description", attr.Description);
            w.WriteString("type", "object");
            w.WriteStartObject("properties");
            foreach (var p in model.Properties) WriteProperty(w, p, types, output: true);
            w.WriteEndObject();
            WriteNames(w, "required", model.Properties.Where(p => p.Required || p.Output?.Always == true));
        }
        w.WriteEndObject();
    }

    private static void WriteProperty(Utf8JsonWriter w, PropertyModel p, SortedDictionary<string, Shape> types,
        bool config = false, bool output = false)
    {
        w.WriteStartObject(p.WireName);
        WriteTypeSpec(w, p.Shape, types);
        w.WriteString("description", p.Description);
        if (p.IsSecret) w.WriteBoolean("secret", true);
        if (p.Input?.Default is { } def && !output)
        {
            w.WritePropertyName("default");
            WriteDefault(w, p.Shape, def);
        }
        if (config && p.Input?.Env is { } env)
        {
            w.WriteStartObject("defaultInfo");
            w.WriteStartArray("environment");
            w.WriteStringValue(env);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (p.Input?.ReplaceOnChanges == true) w.WriteBoolean("willReplaceOnChanges", true);
        w.WriteEndObject();
    }

    private static void WriteTypeSpec(Utf8JsonWriter w, Shape shape, SortedDictionary<string, Shape> types)
    {
        switch (shape.Kind)
        {
            case ShapeKind.String: w.WriteString("type", "string"); break;
            case ShapeKind.Boolean: w.WriteString("type", "boolean"); break;
            case ShapeKind.Integer: w.WriteString("type", "integer"); break;
            case ShapeKind.Number: w.WriteString("type", "number"); break;
            case ShapeKind.Enum:
                w.WriteString("$ref", "#/types/" + Register(shape, types));
                break;
            case ShapeKind.Object:
                w.WriteString("$ref", "#/types/" + Register(shape, types));
                break;
            case ShapeKind.Array:
                w.WriteString("type", "array");
                w.WriteStartObject("items");
                WriteTypeSpec(w, shape.Element!, types);
                w.WriteEndObject();
                break;
            case ShapeKind.Map:
                w.WriteString("type", "object");
                w.WriteStartObject("additionalProperties");
                WriteTypeSpec(w, shape.Element!, types);
                w.WriteEndObject();
                break;
        }
    }

    // The default values an [Input] attribute can hold, written as the JSON serializer would write them.
    private static void WriteDefault(Utf8JsonWriter w, Shape shape, object value)
    {
        switch (value)
        {
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case Enum: w.WriteStringValue(EnumValues.ToWire(shape.ClrType, value)); break;
            default: throw new NotSupportedException($"default of type {value.GetType()}");
        }
    }

    private static string Register(Shape shape, SortedDictionary<string, Shape> types)
    {
        var t = shape.ClrType;
        var name = t.IsEnum ? t.GetCustomAttribute<EnumTypeAttribute>()?.Name
            : t.GetCustomAttribute<ObjectTypeAttribute>()?.Name;
        var token =
            $"{Package}:index:{name ?? throw new InvalidOperationException($"{t} needs [ObjectType] or [EnumType]")}";
        if (types.TryGetValue(token, out var existing) && existing.ClrType != t)
            throw new InvalidOperationException(
                $"two types claim the schema token {token}: {existing.ClrType} and {t}");
        types[token] = shape;
        return token;
    }
}
