using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness.State;

/// <summary>
/// The stack's state file (`.mvm-engine/&lt;stack&gt;.json` in the program directory). Resources are kept in
/// dependency order (dependencies first), which is what makes reverse-order deletes correct.
/// Secrets are stored behind {"$secret": ...} markers (see <see cref="StateJson"/>).
/// </summary>
public sealed class StackState
{
    public const int CurrentVersion = 1;

    public string Stack { get; set; } = "dev";

    public string Project { get; set; } = "";

    public DateTimeOffset Updated { get; set; } = DateTimeOffset.UtcNow;

    public List<ResourceState> Resources { get; set; } = [];

    /// <summary>Stack outputs from the program's `outputs:` section.</summary>
    public Struct Outputs { get; set; } = new();

    public ResourceState? Find(string urn) => Resources.FirstOrDefault(r => r.Urn == urn && !r.PendingDelete);

    public StackState Clone() => new()
    {
        Stack = Stack,
        Project = Project,
        Updated = Updated,
        Resources = Resources.Select(r => r.Clone()).ToList(),
        Outputs = Outputs.Clone(),
    };

    public static StackState Load(string path, string stack, string project)
    {
        if (!File.Exists(path))
            return new StackState { Stack = stack, Project = project };
        return FromJson(File.ReadAllText(path));
    }

    /// <summary>Writes atomically (temp file + rename) so an interrupted run never leaves half a state file.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, ToJson());
        File.Move(temp, path, overwrite: true);
    }

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["version"] = CurrentVersion,
            ["stack"] = Stack,
            ["project"] = Project,
            ["updated"] = Updated.ToString("O"),
            ["resources"] = new JsonArray(Resources.Select(ToNode).ToArray<JsonNode?>()),
            ["outputs"] = StateJson.ToState(Outputs),
        };
        // Relaxed escaping keeps the file readable ("+" instead of "\u002B"); it is never embedded in HTML.
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public static StackState FromJson(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("state file is empty");
        var version = root["version"]?.GetValue<int>() ?? 0;
        if (version != CurrentVersion)
            throw new InvalidDataException($"state file version {version} is not supported (expected {CurrentVersion})");
        return new StackState
        {
            Stack = root["stack"]?.GetValue<string>() ?? "",
            Project = root["project"]?.GetValue<string>() ?? "",
            Updated = DateTimeOffset.TryParse(root["updated"]?.GetValue<string>(), out var u) ? u : DateTimeOffset.MinValue,
            Resources = (root["resources"]?.AsArray() ?? []).Select(n => FromNode(n!.AsObject())).ToList(),
            Outputs = StateJson.StructFromState(root["outputs"] as JsonObject),
        };
    }

    private static JsonObject ToNode(ResourceState r)
    {
        var o = new JsonObject
        {
            ["urn"] = r.Urn,
            ["type"] = r.Type,
            ["name"] = r.Name,
            ["id"] = r.Id,
            ["inputs"] = StateJson.ToState(r.Inputs),
            ["outputs"] = StateJson.ToState(r.Outputs),
            ["dependencies"] = new JsonArray(r.Dependencies.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
        };
        if (r.PropertyDependencies.Count > 0)
        {
            o["propertyDependencies"] = new JsonObject(r.PropertyDependencies.Select(kv =>
                KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(kv.Value.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()))));
        }
        if (r.Provider is not null)
            o["provider"] = r.Provider;
        if (r.Protect)
            o["protect"] = true;
        if (r.RetainOnDelete)
            o["retainOnDelete"] = true;
        if (r.CustomTimeouts != new CustomTimeouts())
        {
            o["customTimeouts"] = new JsonObject
            {
                ["create"] = r.CustomTimeouts.Create,
                ["update"] = r.CustomTimeouts.Update,
                ["delete"] = r.CustomTimeouts.Delete,
                ["read"] = r.CustomTimeouts.Read,
            };
        }
        if (r.InitErrors.Count > 0)
            o["initErrors"] = new JsonArray(r.InitErrors.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray());
        if (r.PendingDelete)
            o["pendingDelete"] = true;
        if (r.RefreshBeforeUpdate)
            o["refreshBeforeUpdate"] = true;
        return o;
    }

    private static ResourceState FromNode(JsonObject o)
    {
        var timeouts = o["customTimeouts"] as JsonObject;
        double T(string key) => timeouts?[key]?.GetValue<double>() ?? 0;
        return new ResourceState
        {
            Urn = o["urn"]!.GetValue<string>(),
            Type = o["type"]!.GetValue<string>(),
            Name = o["name"]!.GetValue<string>(),
            Id = o["id"]?.GetValue<string>() ?? "",
            Inputs = StateJson.StructFromState(o["inputs"] as JsonObject),
            Outputs = StateJson.StructFromState(o["outputs"] as JsonObject),
            Dependencies = (o["dependencies"]?.AsArray() ?? []).Select(d => d!.GetValue<string>()).ToList(),
            PropertyDependencies = (o["propertyDependencies"] as JsonObject ?? [])
                .ToDictionary(kv => kv.Key, kv => (kv.Value?.AsArray() ?? []).Select(u => u!.GetValue<string>()).ToList(), StringComparer.Ordinal),
            Provider = o["provider"]?.GetValue<string>(),
            Protect = o["protect"]?.GetValue<bool>() ?? false,
            RetainOnDelete = o["retainOnDelete"]?.GetValue<bool>() ?? false,
            CustomTimeouts = timeouts is null ? new CustomTimeouts() : new CustomTimeouts(T("create"), T("update"), T("delete"), T("read")),
            InitErrors = (o["initErrors"]?.AsArray() ?? []).Select(d => d!.GetValue<string>()).ToList(),
            PendingDelete = o["pendingDelete"]?.GetValue<bool>() ?? false,
            RefreshBeforeUpdate = o["refreshBeforeUpdate"]?.GetValue<bool>() ?? false,
        };
    }
}
