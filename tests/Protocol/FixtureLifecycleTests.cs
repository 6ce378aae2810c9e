using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Kind = Mvm.Protocol.Wire.PropertyDiff.Types.Kind;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// The whole engine lifecycle through YAML programs, with the test fixture resource (mvm:testing:Fixture, served
/// by the test build of the plugin, tests/TestPlugin) whose real object is a JSON file: preview, up,
/// no-op up, update, refresh (drift and gone), import, destroy, replacement order, ignoreChanges, protect and
/// init failures. Assertions are on the wire (calls, kinds), the state file and the object file.
/// </summary>
public sealed class FixtureLifecycleTests(ITestOutputHelper output)
{
    private const string Password = "hunter2-Pw-4471";
    private const string Type = "mvm:testing:Fixture";

    /// <summary>The program: one fixture `obj` in <paramref name="dir"/>, plus optional extra properties and options.</summary>
    private static string Program(string dir, string content = "hello", string extraProperties = "", string options = "", string team = "ops") => $$"""
        name: fixtures
        runtime: yaml
        resources:
          obj:
            type: {{Type}}
            properties:
              directory: {{dir}}
              content: {{content}}
              password: {{Password}}
              size: 2
              tags: [a, b]
              items:
                - key: one
                  value: "1"
                - key: two
                  value: "2"
              labels:
                team: {{team}}
        {{Indent(extraProperties, 6)}}
            options:
              customTimeouts:
                create: 30s
        {{Indent(options, 6)}}
        outputs:
          checksum: ${obj.checksum}
          path: ${obj.path}
          token: ${obj.token}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l));

    private static string Sha(string content) =>
        "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();

    private static JsonObject ReadObject(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>The object file's property, whichever casing the fixture serializes with.</summary>
    private static string? ObjectField(JsonObject o, string name) =>
        o.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.ToString();

    private static string Out(StepRecord step, string key) => PropertyValues.Unwrap(Wire.Field(step.Outputs!, key)).StringValue;

    private static void AssertNoPlaintext(string statePath, params string[] secrets)
    {
        var json = JsonNode.Parse(File.ReadAllText(statePath));
        foreach (var secret in secrets)
        {
            var leaks = StateJson.FindPlaintext(json, secret);
            Assert.True(leaks.Count == 0, $"secret in plaintext in the state at {string.Join(", ", leaks)}");
        }
    }

    private static ResourceState Saved(ProgramDirectory p, string name = "obj") =>
        StackState.Load(p.Engine.StatePath, "dev", "fixtures").Resources.Single(r => r.Name == name && !r.PendingDelete);

    [Fact]
    public async Task Preview_up_update_refresh_import_destroy()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        var dir = p.Path;
        var file = Path.Combine(dir, "obj.json");
        p.Write(Program(dir));

        // preview: planned create, Create(preview) only, nothing written.
        var preview = await p.OkAsync(p.Engine.PreviewAsync());
        Assert.Equal(StepOp.Create, preview.Step("obj").Op);
        Assert.True(preview.CallsOf("Create").Single().RequestAs<CreateRequest>().Preview);
        Assert.True(Unknowns.IsUnknown(PropertyValues.Unwrap(Wire.Field(preview.Step("obj").Outputs!, "checksum"))));
        Assert.False(File.Exists(file), "preview wrote the object");
        Assert.False(File.Exists(p.Engine.StatePath), "preview saved state");

        // up: object written, outputs computed, secrets never in plaintext in state.
        var up = await p.OkAsync(p.Engine.UpAsync());
        var created = up.Step("obj");
        Assert.Equal(StepOp.Create, created.Op);
        Assert.True(File.Exists(file));
        Assert.Equal(file, created.Id);
        Assert.Equal(Sha("hello"), Out(created, "checksum"));
        Assert.Equal(file, Out(created, "path"));
        Assert.True(PropertyValues.IsSecret(Wire.Field(created.Outputs!, "token")), "token output must be secret");
        Assert.True(PropertyValues.IsSecret(Wire.Field(created.Inputs!, "password")), "password input must be secret");
        var check = up.CallsOf("Check").Single().ResponseAs<CheckResponse>()!;
        Assert.True(PropertyValues.IsSecret(Wire.Field(check.Inputs, "password")), "Check must return the password wrapped");
        var token = Out(created, "token");
        Assert.Equal(token, ObjectField(ReadObject(file), "token"));
        Assert.Equal("hello", ObjectField(ReadObject(file), "content"));
        AssertNoPlaintext(p.Engine.StatePath, Password, token);
        Assert.DoesNotContain(up.Diagnostics, d => d.Message.Contains("plaintext", StringComparison.Ordinal));
        var createdAt = Out(created, "createdAt");

        // second up, no change: Diff says none and no Update is made.
        var same = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Same, same.Step("obj").Op);
        Assert.Empty(same.CallsOf("Update"));
        Assert.Empty(same.CallsOf("Create"));
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffNone, same.CallsOf("Diff").Single().ResponseAs<DiffResponse>()!.Changes);

        // update in place: content changes, createdAt (Stable) does not. Its preview changes nothing.
        p.Write(Program(dir, content: "world"));
        var previewUpdate = await p.OkAsync(p.Engine.PreviewAsync());
        Assert.Equal(StepOp.Update, previewUpdate.Step("obj").Op);
        Assert.True(previewUpdate.CallsOf("Update").Single().RequestAs<UpdateRequest>().Preview);
        Assert.Equal(createdAt, Out(previewUpdate.Step("obj"), "createdAt"));
        Assert.Equal("hello", ObjectField(ReadObject(file), "content"));
        var update = await p.OkAsync(p.Engine.UpAsync());
        var updated = update.Step("obj");
        Assert.Equal(StepOp.Update, updated.Op);
        Assert.Contains(updated.Changes, c => c.Path == "content" && c.Kind == Kind.Update);
        Assert.Single(update.CallsOf("Update"));
        Assert.Empty(update.CallsOf("Create"));
        Assert.Empty(update.CallsOf("Delete"));
        Assert.Equal(createdAt, Out(updated, "createdAt"));
        Assert.Equal(Sha("world"), Out(updated, "checksum"));
        Assert.Equal("world", ObjectField(ReadObject(file), "content"));
        AssertNoPlaintext(p.Engine.StatePath, Password, token);

        // refresh after an edit by hand: drift shown and adopted (outputs and inputs).
        var edited = ReadObject(file);
        var contentKey = edited.First(kv => string.Equals(kv.Key, "content", StringComparison.OrdinalIgnoreCase)).Key;
        edited[contentKey] = "edited by hand";
        File.WriteAllText(file, edited.ToJsonString());
        var refresh = await p.OkAsync(p.Engine.RefreshAsync());
        var refreshed = refresh.Step("obj");
        Assert.Equal(StepOp.Refresh, refreshed.Op);
        Assert.Contains(refreshed.Changes, c => c.Path == "content");
        Assert.NotNull(refresh.CallsOf("Read").Single().RequestAs<ReadRequest>().Properties); // old outputs go to Read
        var afterRefresh = Saved(p);
        Assert.Equal("edited by hand", PropertyValues.Unwrap(afterRefresh.Outputs.Fields["content"]).StringValue);
        Assert.Equal("edited by hand", PropertyValues.Unwrap(afterRefresh.Inputs.Fields["content"]).StringValue);
        Assert.Equal(Sha("edited by hand"), PropertyValues.Unwrap(afterRefresh.Outputs.Fields["checksum"]).StringValue);
        AssertNoPlaintext(p.Engine.StatePath, Password, token);

        // the program still says "world": the next up puts it back with an Update.
        var correct = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Update, correct.Step("obj").Op);
        Assert.Equal("world", ObjectField(ReadObject(file), "content"));

        // refresh after the object was deleted by hand: it leaves the state.
        File.Delete(file);
        var gone = await p.OkAsync(p.Engine.RefreshAsync());
        Assert.Equal(StepOp.Discard, gone.Step("obj").Op);
        Assert.DoesNotContain(StackState.Load(p.Engine.StatePath, "dev", "fixtures").Resources, r => r.Type == Type);

        // recreate, forget the state, import by id (the file path): Read with the id only returns inputs.
        await p.OkAsync(p.Engine.UpAsync());
        Assert.True(File.Exists(file));
        File.Delete(p.Engine.StatePath);
        var missing = await p.Engine.ImportAsync(Type, "obj", Path.Combine(dir, "nothing-here.json"), protect: false);
        Assert.False(missing.Succeeded, "importing an id that does not exist must fail");
        Assert.Contains("does not exist", missing.Error);
        var import = await p.OkAsync(p.Engine.ImportAsync(Type, "obj", file, protect: false));
        var read = import.CallsOf("Read").Single();
        Assert.Equal(file, read.RequestAs<ReadRequest>().Id);
        Assert.Null(read.RequestAs<ReadRequest>().Properties);
        var readInputs = read.ResponseAs<ReadResponse>()!.Inputs;
        Assert.NotNull(readInputs);
        Assert.Equal("world", PropertyValues.Unwrap(Wire.Field(readInputs, "content")).StringValue);
        Assert.Equal(dir, PropertyValues.Unwrap(Wire.Field(readInputs, "directory")).StringValue);
        Assert.True(PropertyValues.IsSecret(Wire.Field(readInputs, "password")), "imported password must come back secret");
        Assert.DoesNotContain(import.Diagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        AssertNoPlaintext(p.Engine.StatePath, Password);

        // ... and then the program matches the imported object: no diff at all.
        var afterImport = await p.OkAsync(p.Engine.UpAsync());
        var diff = afterImport.CallsOf("Diff").Single().ResponseAs<DiffResponse>()!;
        Assert.True(afterImport.Step("obj").Op == StepOp.Same,
            $"up after import is {afterImport.Step("obj").Op}: {string.Join(", ", diff.DetailedDiff.Select(kv => $"{kv.Key}={kv.Value.Kind}"))}");
        Assert.Empty(afterImport.CallsOf("Update"));

        // destroy removes the object.
        var destroy = await p.OkAsync(p.Engine.DestroyAsync());
        Assert.Single(destroy.CallsOf("Delete"));
        Assert.False(File.Exists(file));
        Assert.DoesNotContain(StackState.Load(p.Engine.StatePath, "dev", "fixtures").Resources, r => r.Type == Type);
        output.WriteLine($"plugin launch → port: {string.Join(", ", destroy.Plugins.Select(pl => $"{pl.StartupTime.TotalMilliseconds:0} ms"))}");
    }

    [Fact]
    public async Task Probe_progress_reaches_the_engine_and_preview_never_probes()
    {
        await using var host = new FakeSshServer();
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        p.Write(Program(p.Path, extraProperties: $"probeAddress: \"{host.Address}\""));

        await p.OkAsync(p.Engine.PreviewAsync());
        Assert.Equal(0, host.Connections);

        var up = await p.OkAsync(p.Engine.UpAsync());
        Assert.True(host.Connections >= 1, "Create did not probe the fixture's probeAddress");
        var urn = up.Step("obj").Urn;
        Assert.True(up.Logs.Any(l => l.Ephemeral && l.Urn == urn && l.Message.Contains($"probe SSH on {host.Address}", StringComparison.Ordinal)),
            "no ephemeral 'probe SSH on …' status for the resource reached the engine; plugin stderr:\n" + string.Join("\n", up.Plugins.Select(pl => pl.Stderr)));

        var before = host.Connections;
        await p.OkAsync(p.Engine.DestroyAsync());
        Assert.True(host.Connections > before, "Delete did not probe");
    }

    [Fact]
    public async Task A_replace_on_change_is_create_before_delete_unless_deleteBeforeReplace()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        var dir = p.Path;
        p.Write(Program(dir, extraProperties: "name: first"));
        await p.OkAsync(p.Engine.UpAsync());
        Assert.True(File.Exists(Path.Combine(dir, "first.json")));

        // Default: the replacement is created first, the old object deleted at the end.
        p.Write(Program(dir, extraProperties: "name: second"));
        var cbd = await p.OkAsync(p.Engine.UpAsync());
        var replacement = cbd.Step("obj");
        Assert.Equal(StepOp.CreateReplacement, replacement.Op);
        Assert.Contains(replacement.Changes, c => c.Path == "name" && c.Kind == Kind.UpdateReplace);
        Assert.False(cbd.CallsOf("Diff").Single().ResponseAs<DiffResponse>()!.DeleteBeforeReplace);
        var order = cbd.CallSequence.Where(m => m is "Create" or "Delete").ToList();
        Assert.Equal(["Create", "Delete"], order);
        Assert.Equal(Path.Combine(dir, "second.json"), cbd.CallsOf("Create").Single().ResponseAs<CreateResponse>()!.Id);
        Assert.Equal(Path.Combine(dir, "first.json"), cbd.CallsOf("Delete").Single().RequestAs<DeleteRequest>().Id);
        Assert.True(File.Exists(Path.Combine(dir, "second.json")));
        Assert.False(File.Exists(Path.Combine(dir, "first.json")));

        // With the option: the old object goes first.
        p.Write(Program(dir, extraProperties: "name: third", options: "deleteBeforeReplace: true"));
        var dbr = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(["Delete", "Create"], dbr.CallSequence.Where(m => m is "Create" or "Delete").ToList());
        Assert.Equal(Path.Combine(dir, "second.json"), dbr.CallsOf("Delete").Single().RequestAs<DeleteRequest>().Id);
        Assert.True(File.Exists(Path.Combine(dir, "third.json")));
        Assert.False(File.Exists(Path.Combine(dir, "second.json")));
        Assert.Equal(Path.Combine(dir, "third.json"), Saved(p).Id);
    }

    [Fact]
    public async Task IgnoreChanges_on_content_makes_a_content_change_no_update()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        var dir = p.Path;
        p.Write(Program(dir, options: "ignoreChanges: [content]"));
        await p.OkAsync(p.Engine.UpAsync());
        p.Write(Program(dir, content: "changed", options: "ignoreChanges: [content]"));
        var up = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Same, up.Step("obj").Op);
        Assert.Empty(up.CallsOf("Update"));
        Assert.Equal("hello", ObjectField(ReadObject(Path.Combine(dir, "obj.json")), "content"));

        // Other changes still go through, and the ignored path keeps its old value.
        p.Write(Program(dir, content: "changed", team: "dev", options: "ignoreChanges: [content]"));
        var other = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Update, other.Step("obj").Op);
        Assert.DoesNotContain(other.Step("obj").Changes, c => c.Path.StartsWith("content", StringComparison.Ordinal));
        Assert.Equal("hello", ObjectField(ReadObject(Path.Combine(dir, "obj.json")), "content"));
    }

    [Fact]
    public async Task Protect_refuses_destroy()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        var dir = p.Path;
        var file = Path.Combine(dir, "obj.json");
        p.Write(Program(dir, options: "protect: true"));
        await p.OkAsync(p.Engine.UpAsync());

        var destroy = await p.Engine.DestroyAsync();
        Assert.False(destroy.Succeeded, destroy.Transcript);
        Assert.Empty(destroy.CallsOf("Delete"));
        Assert.True(File.Exists(file));
        Assert.Contains(StackState.Load(p.Engine.StatePath, "dev", "fixtures").Resources, r => r.Name == "obj");

        p.Write(Program(dir));
        await p.OkAsync(p.Engine.UpAsync());
        await p.OkAsync(p.Engine.DestroyAsync());
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task An_init_failure_is_recorded_with_its_id_and_the_next_up_updates()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        var dir = p.Path;
        var file = Path.Combine(dir, "obj.json");
        p.Write(Program(dir, extraProperties: "failAfterCreate: true"));

        var up = await p.Engine.UpAsync();
        output.WriteLine(up.Transcript);
        Assert.False(up.Succeeded);
        var failure = up.CallsOf("Create").Single().Failure;
        Assert.NotNull(failure);
        var init = failure!.InitFailed;
        Assert.True(init is not null, $"Create failed without ErrorResourceInitFailed: {failure.Code} {failure.StatusMessage}");
        Assert.Equal(file, init!.Id);
        Assert.Equal(file, PropertyValues.Unwrap(Wire.Field(init.Properties, "path")).StringValue);
        Assert.Equal(Sha("hello"), PropertyValues.Unwrap(Wire.Field(init.Properties, "checksum")).StringValue);
        Assert.True(PropertyValues.IsSecret(Wire.Field(init.Properties, "password")), "the password in the init-failure detail must be secret");
        Assert.True(PropertyValues.IsSecret(Wire.Field(init.Properties, "token")), "the token in the init-failure detail must be secret");
        Assert.Contains(init.Reasons, r => r.Contains("failAfterCreate", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, failure.StatusMessage);
        Assert.True(File.Exists(file));
        Assert.Equal(StepStatus.PartialFailure, up.Step("obj").Status);

        var saved = Saved(p);
        Assert.Equal(file, saved.Id);
        Assert.NotEmpty(saved.InitErrors);
        AssertNoPlaintext(p.Engine.StatePath, Password, PropertyValues.Unwrap(Wire.Field(init.Properties, "token")).StringValue);

        p.Write(Program(dir, extraProperties: "failAfterCreate: false"));
        var next = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Update, next.Step("obj").Op);
        Assert.Single(next.CallsOf("Update"));
        Assert.Empty(next.CallsOf("Create"));
        Assert.Empty(Saved(p).InitErrors);

        var settled = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Same, settled.Step("obj").Op);
    }

    [Fact]
    public async Task Init_errors_alone_make_the_next_up_an_update()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        var dir = p.Path;
        p.Write(Program(dir, extraProperties: "failAfterCreate: true"));
        Assert.False((await p.Engine.UpAsync()).Succeeded);

        // Same program: no diff, but the engine continues initialisation with an Update.
        var next = await p.OkAsync(p.Engine.UpAsync());
        Assert.Equal(StepOp.Update, next.Step("obj").Op);
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffNone, next.CallsOf("Diff").Single().ResponseAs<DiffResponse>()!.Changes);
        Assert.Single(next.CallsOf("Update"));
        Assert.Empty(Saved(p).InitErrors);
    }

    [Fact]
    public async Task An_explicit_provider_with_typed_config_is_configured_and_used()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n", stackYaml: "config: {}\n");
        var dir = p.Path;
        p.Write($$"""
            name: fixtures
            runtime: yaml
            resources:
              explicit:
                type: pulumi:providers:mvm
                properties:
                  sshPassword:
                    fn::secret: typed-pw-55
                  sshPort: 2222
                  trustOnFirstUse: false
                  hostKeys:
                    10.0.0.11: {{ConfigurationTests.HostKey}}
              obj:
                type: {{Type}}
                properties:
                  directory: {{dir}}
                  content: via explicit provider
                options:
                  provider: ${explicit}
            """);
        var up = await p.OkAsync(p.Engine.UpAsync());
        var configure = up.CallsOf("Configure").Single().RequestAs<ConfigureRequest>();
        Assert.Equal(Value.KindOneofCase.NumberValue, configure.Args.Fields["sshPort"].KindCase);
        Assert.Equal(Value.KindOneofCase.StructValue, PropertyValues.Unwrap(configure.Args.Fields["hostKeys"]).KindCase);
        Assert.True(PropertyValues.IsSecret(configure.Args.Fields["sshPassword"]));
        Assert.Equal(StepOp.Create, up.Step("obj").Op);
        Assert.True(File.Exists(Path.Combine(dir, "obj.json")));
        AssertNoPlaintext(p.Engine.StatePath, "typed-pw-55");
        await p.OkAsync(p.Engine.DestroyAsync());
    }

    [Fact]
    public async Task Secret_inputs_are_scrubbed_from_operation_errors()
    {
        await using var p = await ProgramDirectory.StartAsync("name: placeholder\nruntime: yaml\n");
        // The directory does not exist and its path contains the password, so the write error would quote it.
        var missingDir = Path.Combine(p.Path, "no-such-dir-" + Password);
        p.Write(Program(missingDir));
        var up = await p.Engine.UpAsync();
        output.WriteLine(up.Transcript);
        Assert.False(up.Succeeded);
        var failure = up.CallsOf("Create").Single().Failure!;
        Assert.Contains("write object", failure.StatusMessage);
        Assert.DoesNotContain(Password, failure.StatusMessage);
        Assert.DoesNotContain(up.Logs, l => l.Message.Contains(Password, StringComparison.Ordinal));
    }
}
