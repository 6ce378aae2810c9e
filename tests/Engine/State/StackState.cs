using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Secrets;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness.State;

/// <summary>
/// The stack's state file (`.mvm-engine/&lt;stack&gt;.json` in the program directory). Resources are kept in
/// dependency order (dependencies first), which is what makes reverse-order deletes correct.
/// Secrets are stored encrypted with the stack's secrets provider (<see cref="StackSecrets"/>, files next to the state)
/// behind {"$secret": "v1:..."} markers (see <see cref="StateJson"/>); the file is readable by its owner only.
/// </summary>
public sealed class StackState
{
    /// <summary>2: secrets encrypted. Version 1 (plaintext secrets) is still read, and rewritten as 2 on save.</summary>
    public const int CurrentVersion = 2;

    private const int PlaintextSecretsVersion = 1;

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

    /// <summary>
    /// Reads the state file at <paramref name="path"/>, decrypting its secrets with the stack's secrets provider
    /// (<paramref name="passphrase"/>, or the environment's, for a passphrase stack); an empty state if there is none.
    /// </summary>
    public static StackState Load(string path, string stack, string project, string? passphrase = null)
    {
        if (!File.Exists(path))
            return new StackState { Stack = stack, Project = project };
        return FromJson(File.ReadAllText(path), StackSecrets.ForStatePath(path, passphrase));
    }

    /// <summary>Writes atomically with mode 0600 (see <see cref="PrivateFile"/>), secrets encrypted for the stack.</summary>
    public void Save(string path, string? passphrase = null)
        => PrivateFile.WriteAllText(path, ToJson(StackSecrets.ForStatePath(path, passphrase)));

    public string ToJson(ISecretCrypter crypter)
    {
        var root = new JsonObject
        {
            ["version"] = CurrentVersion,
            ["stack"] = Stack,
            ["project"] = Project,
            ["updated"] = Updated.ToString("O"),
            ["resources"] = new JsonArray(Resources.Select(r => ToNode(r, crypter)).ToArray<JsonNode?>()),
            ["outputs"] = StateJson.ToState(Outputs, crypter),
        };
        // Relaxed escaping keeps the file readable ("+" instead of "\u002B"); it is never embedded in HTML.
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public static StackState FromJson(string json, ISecretCrypter crypter)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("state file is empty");
        var version = root["version"]?.GetValue<int>() ?? 0;
        if (version is not (CurrentVersion or PlaintextSecretsVersion))
            throw new InvalidDataException($"state file version {version} is not supported (expected {CurrentVersion})");
        // A version-1 file (written before secrets were encrypted) holds them in plaintext markers.
        var secrets = version == CurrentVersion ? crypter : null;
        return new StackState
        {
            Stack = root["stack"]?.GetValue<string>() ?? "",
            Project = root["project"]?.GetValue<string>() ?? "",
            Updated = DateTimeOffset.TryParse(root["updated"]?.GetValue<string>(), out var u) ? u : DateTimeOffset.MinValue,
            Resources = (root["resources"]?.AsArray() ?? []).Select(n => FromNode(n!.AsObject(), secrets)).ToList(),
            Outputs = StateJson.StructFromState(root["outputs"] as JsonObject, secrets),
        };
    }

    private static JsonObject ToNode(ResourceState r, ISecretCrypter crypter)
    {
        var o = new JsonObject
        {
            ["urn"] = r.Urn,
            ["type"] = r.Type,
            ["name"] = r.Name,
            ["id"] = r.Id,
            ["inputs"] = StateJson.ToState(r.Inputs, crypter),
            ["outputs"] = StateJson.ToState(r.Outputs, crypter),
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

    private static ResourceState FromNode(JsonObject o, ISecretCrypter? crypter)
    {
        var timeouts = o["customTimeouts"] as JsonObject;
        double T(string key) => timeouts?[key]?.GetValue<double>() ?? 0;
        return new ResourceState
        {
            Urn = o["urn"]!.GetValue<string>(),
            Type = o["type"]!.GetValue<string>(),
            Name = o["name"]!.GetValue<string>(),
            Id = o["id"]?.GetValue<string>() ?? "",
            Inputs = StateJson.StructFromState(o["inputs"] as JsonObject, crypter),
            Outputs = StateJson.StructFromState(o["outputs"] as JsonObject, crypter),
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
