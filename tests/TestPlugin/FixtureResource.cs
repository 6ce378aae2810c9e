using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Transport;

namespace Mvm.TestPlugin;

/// <summary>
/// A resource that exists to prove the framework over the wire (secrets, unknowns, diffs, init
/// failures, timeouts, drift, import) without hosts. Its real object is a JSON file in a directory
/// on the machine running the provider. Served only by this test build of the plugin, never in schema.json.
/// </summary>
[ResourceType("Fixture", "Test fixture: a JSON file standing in for a real object.", Module = "testing")]
public sealed class FixtureResource : Resource<FixtureArgs, FixtureState>
{
    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        news["name"] is null ? news.With("name", PropertyValue.Of(resourceName)) : news;

    protected override void Validate(FixtureArgs args, CheckContext ctx)
    {
        if (args.Directory is { } d && !Path.IsPathRooted(d)) ctx.Fail("directory", $"must be an absolute path, got {Quoted.Value(d)}");
        ctx.RequirePositive("size", args.Size, max: 1000);
        ctx.RequireUnique("items", args.Items, i => i?.Key, "key");
    }

    protected override async Task<(string Id, FixtureState State)> CreateAsync(FixtureArgs args, OperationContext ctx)
    {
        await ProbeAsync(args, ctx);
        var path = PathOf(args);
        var state = Realise(args, path, createdAt: DateTimeOffset.UtcNow.ToString("O"));
        state.Token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        await ctx.StepAsync("write object", null, ct => File.WriteAllTextAsync(path, JsonSerializer.Serialize(state), ct));
        if (args.FailAfterCreate == true)
            throw new ResourceInitFailedException(path, state, [$"object {path} was written but did not become ready (failAfterCreate)"]);
        return (path, state);
    }

    protected override async Task<FixtureState?> ReadAsync(string id, FixtureState? state, OperationContext ctx)
    {
        if (state is not null) await ProbeAsync(state, ctx);
        if (!File.Exists(id)) return null;
        var read = JsonSerializer.Deserialize<FixtureState>(await File.ReadAllTextAsync(id, ctx.CancellationToken))!;
        read.Checksum = ChecksumOf(read.Content);
        return read;
    }

    protected override async Task<FixtureState> UpdateAsync(string id, FixtureState olds, FixtureArgs news, DiffResult diff, OperationContext ctx)
    {
        await ProbeAsync(news, ctx);
        var state = Realise(news, id, olds.CreatedAt);
        state.Token = olds.Token;
        await ctx.StepAsync("rewrite object", null, ct => File.WriteAllTextAsync(id, JsonSerializer.Serialize(state), ct));
        return state;
    }

    protected override async Task DeleteAsync(string id, FixtureState state, OperationContext ctx)
    {
        await ProbeAsync(state, ctx);
        File.Delete(id); // deleting something already gone succeeds
    }

    private static Task ProbeAsync(FixtureArgs args, OperationContext ctx)
    {
        if (args.ProbeAddress is not { } target) return Task.CompletedTask;
        var (host, port) = (target[..target.LastIndexOf(':')], int.Parse(target[(target.LastIndexOf(':') + 1)..]));
        return ctx.StepAsync("probe SSH", target, ct => SshBannerProbe.ProbeAsync(host, port, ct), readOnly: true);
    }

    private static string PathOf(FixtureArgs args) => Path.Combine(args.Directory!, args.Name + ".json");

    private static FixtureState Realise(FixtureArgs args, string path, string? createdAt)
    {
        var state = new FixtureState();
        foreach (var p in ObjectModel.Of(typeof(FixtureArgs)).Inputs) p.Info.SetValue(state, p.Info.GetValue(args));
        state.Path = path;
        state.Checksum = ChecksumOf(args.Content);
        state.CreatedAt = createdAt;
        return state;
    }

    private static string ChecksumOf(string? content) =>
        "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content ?? ""))).ToLowerInvariant();
}

[ObjectType("FixtureItem", "A keyed item of a fixture.")]
public sealed class FixtureItem
{
    [Input("Identity of the item within the list.", Required = true)]
    public string? Key { get; set; }

    [Input("Item value.")]
    public string? Value { get; set; }
}

public class FixtureArgs
{
    [Input("Directory holding the object file.", Required = true, ReplaceOnChanges = true)]
    public string? Directory { get; set; }

    [Input("Object name (file name without .json); defaults to the resource name.", ReplaceOnChanges = true)]
    public string? Name { get; set; }

    [Input("Free text stored in the object.")]
    public string? Content { get; set; }

    [Input("A bounded integer.", Default = 1)]
    public int? Size { get; set; }

    [Input("A plain list.")]
    public List<string>? Tags { get; set; }

    [Input("A keyed list, diffed by key.", ListKey = "key")]
    public List<FixtureItem>? Items { get; set; }

    [Input("A map.")]
    public Dictionary<string, string>? Labels { get; set; }

    [Input("A secret input.", Secret = true)]
    public string? Password { get; set; }

    [Input("host:port whose SSH banner is read before every operation (to test unreachable hosts).")]
    public string? ProbeAddress { get; set; }

    [Input("Write the object, then report an init failure.")]
    public bool? FailAfterCreate { get; set; }
}

public sealed class FixtureState : FixtureArgs
{
    [Output("Where the object lives.", Always = true)]
    public string? Path { get; set; }

    [Output("Checksum of the content as read back.")]
    public string? Checksum { get; set; }

    [Output("When the object was created.", Stable = true)]
    public string? CreatedAt { get; set; }

    [Output("A generated secret.", Secret = true)]
    public string? Token { get; set; }
}
