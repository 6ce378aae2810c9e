using Google.Protobuf.WellKnownTypes;
using Kind = Mvm.Protocol.Wire.PropertyDiff.Types.Kind;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>refresh (Read + inverted drift Diff) and import (Read with only an id, then Check).</summary>
public sealed class RefreshImportTests
{
    private const string Program = """
        name: lab
        runtime: yaml
        resources:
          a:
            type: mvm:Thing
            properties:
              size: 1
          b:
            type: mvm:Thing
            properties:
              size: 2
        """;

    [Fact]
    public async Task Refresh_reads_with_old_state_and_shows_drift_inverted()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        var up = await f.UpOkAsync();
        var a = up.State.Resources.Single(r => r.Name == "a");
        // Someone changed the object out of band: size 1 → 5 and a new property appeared.
        f.Cloud.Objects[a.Id].Fields["size"] = Value.ForNumber(5);
        f.Cloud.Objects[a.Id].Fields["label"] = Value.ForString("manual");

        var result = await f.Engine.RefreshAsync();
        Assert.True(result.Succeeded, result.Transcript);

        var read = result.CallsOf("Read").Select(c => c.RequestAs<ReadRequest>()).Single(r => r.Name == "a");
        Assert.Equal(a.Id, read.Id);
        Assert.Equal(a.Outputs, read.Properties);
        Assert.Equal(a.Inputs, read.Inputs);
        var diff = result.CallsOf("Diff").Select(c => c.RequestAs<DiffRequest>()).Single(d => d.Name == "a");
        Assert.Equal(5, diff.OldInputs.Fields["size"].NumberValue); // refreshed inputs
        Assert.Equal(1, diff.News.Fields["size"].NumberValue);      // old inputs

        var step = result.Step("a");
        Assert.Equal(StepOp.Refresh, step.Op);
        // The provider said "label would be deleted" going refreshed → program; the user sees it was added.
        Assert.Contains(step.Changes, c => c.Path == "label" && c.Kind == Kind.Add);
        Assert.Contains(step.Changes, c => c.Path == "size" && c.Kind == Kind.Update);
        Assert.Empty(result.Step("b").Changes);
        var saved = StackState.Load(f.Engine.StatePath, "dev", "lab").Resources.Single(r => r.Name == "a");
        Assert.Equal(5, saved.Outputs.Fields["size"].NumberValue);
        Assert.Equal(5, saved.Inputs.Fields["size"].NumberValue);
    }

    [Fact]
    public async Task Refresh_shows_a_resource_whose_outputs_changed_as_updated_with_the_changed_paths()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        await f.UpOkAsync();
        // What a cluster's Read returns when one host went unreachable: same inputs, different outputs.
        f.Cloud.OnRead = r =>
        {
            if (r.Name != "a")
                return null;
            var outputs = r.Properties.Clone();
            outputs.Fields["health"] = Value.ForString("HEALTH_WARN");
            outputs.Fields["hosts"] = Value.ForList(
                Value.ForStruct(PropertyValues.Struct(new { name = "h1", reachable = true })),
                Value.ForStruct(PropertyValues.Struct(new { name = "h3", reachable = false })));
            outputs.Fields["token"] = PropertyValues.Secret("new-secret-value");
            return new ReadResponse { Id = r.Id, Properties = outputs, Inputs = r.Inputs };
        };
        // The state before: healthy, both hosts reachable, an old secret.
        var before = f.Engine.LoadState();
        var outputsBefore = before.Resources.Single(r => r.Name == "a").Outputs;
        outputsBefore.Fields["health"] = Value.ForString("HEALTH_OK");
        outputsBefore.Fields["hosts"] = Value.ForList(
            Value.ForStruct(PropertyValues.Struct(new { name = "h1", reachable = true })),
            Value.ForStruct(PropertyValues.Struct(new { name = "h3", reachable = true })));
        outputsBefore.Fields["token"] = PropertyValues.Secret("old-secret-value");
        before.Save(f.Engine.StatePath, "");

        var result = await f.Engine.RefreshAsync();
        Assert.True(result.Succeeded, result.Transcript);
        var step = result.Step("a");
        Assert.Empty(step.Changes); // the inputs did not drift...
        Assert.True(step.RefreshChanged); // ...but the outputs did
        Assert.Equal(["health", "hosts[1].reachable", "token"], step.OutputChanges.Select(c => c.Path));
        Assert.All(step.OutputChanges, c => Assert.Equal(Kind.Update, c.Kind));
        Assert.False(result.Step("b").RefreshChanged);

        Assert.Contains(" ~  mvm:index:Thing a updated [diff: ~health, ~hosts[1].reachable, ~token]", result.Transcript);
        Assert.DoesNotContain("a refreshed", result.Transcript);
        Assert.DoesNotContain("secret-value", result.Transcript);
        var summary = result.Transcript[result.Transcript.LastIndexOf("Resources:", StringComparison.Ordinal)..];
        Assert.Contains("~ 1 updated", summary);
        Assert.Contains("1 unchanged", summary);
    }

    [Fact]
    public async Task Refresh_drops_resources_that_are_gone_and_preview_refresh_writes_nothing()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        var up = await f.UpOkAsync();
        f.Cloud.Objects.TryRemove(up.State.Resources.Single(r => r.Name == "b").Id, out _);
        var before = File.ReadAllText(f.Engine.StatePath);

        var preview = await f.Engine.RefreshAsync(preview: true);
        Assert.True(preview.Succeeded, preview.Transcript);
        Assert.Equal(StepOp.Discard, preview.Step("b").Op);
        Assert.Equal(before, File.ReadAllText(f.Engine.StatePath));

        var result = await f.Engine.RefreshAsync();
        Assert.DoesNotContain(StackState.Load(f.Engine.StatePath, "dev", "lab").Resources, r => r.Name == "b");
        Assert.Contains(result.State.Resources, r => r.Name == "a");
    }

    [Fact]
    public async Task Import_reads_with_only_the_id_then_checks_the_read_inputs()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        f.Cloud.Objects["ext-7"] = PropertyValues.Struct(new { size = 9, _name = "legacy", arn = "arn:ext-7" });

        var result = await f.Engine.ImportAsync("mvm:Thing", "legacy", "ext-7", protect: false);
        Assert.True(result.Succeeded, result.Transcript);

        var read = result.CallsOf("Read").Single().RequestAs<ReadRequest>();
        Assert.Equal("ext-7", read.Id);
        Assert.Null(read.Properties);
        Assert.Null(read.Inputs);
        Assert.Equal("urn:pulumi:dev::lab::mvm:index:Thing::legacy", read.Urn);
        var check = result.CallsOf("Check").Single().RequestAs<CheckRequest>();
        Assert.Equal(check.Olds, check.News);
        Assert.Equal(9, check.News.Fields["size"].NumberValue);

        var imported = StackState.Load(f.Engine.StatePath, "dev", "lab").Resources.Single(r => r.Name == "legacy");
        Assert.Equal("ext-7", imported.Id);
        Assert.False(imported.Protect);
        Assert.Contains("type: mvm:index:Thing", result.Transcript);
    }

    [Fact]
    public async Task Import_of_a_missing_object_fails_clearly_and_is_protected_by_default()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        var missing = await f.Engine.ImportAsync("mvm:Thing", "ghost", "nope");
        Assert.False(missing.Succeeded);
        Assert.Contains("resource 'nope' does not exist", missing.Error);

        f.Cloud.Objects["ext-8"] = PropertyValues.Struct(new { size = 1, _name = "x", arn = "arn:ext-8" });
        var ok = await f.Engine.ImportAsync("mvm:Thing", "x", "ext-8");
        Assert.True(ok.Result().State.Resources.Single(r => r.Name == "x").Protect);
    }

    [Fact]
    public async Task Import_option_adopts_the_object_and_updates_it_to_match_the_program()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  size: 3
                options:
                  import: ext-9
            """);
        f.Cloud.Objects["ext-9"] = PropertyValues.Struct(new { size = 1, _name = "a", arn = "arn:ext-9" });
        var result = await f.UpOkAsync();

        Assert.Empty(result.CallsOf("Create"));
        Assert.Equal("ext-9", Assert.Single(result.CallsOf("Update")).RequestAs<UpdateRequest>().Id);
        Assert.Equal([StepOp.Import, StepOp.Update], result.StepsFor("a").Select(s => s.Op));
    }
}

internal static class ResultExtensions
{
    public static DeploymentResult Result(this DeploymentResult r)
    {
        Assert.True(r.Succeeded, r.Transcript);
        return r;
    }
}
