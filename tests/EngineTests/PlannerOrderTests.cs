using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>The engine's step order: dependencies first on create, dependents first on delete.</summary>
public sealed class PlannerOrderTests
{
    private const string Chain = """
        name: lab
        runtime: yaml
        resources:
          c:
            type: mvm:Thing
            properties:
              parent: ${b.arn}
          a:
            type: mvm:Thing
            properties:
              size: 1
          b:
            type: mvm:Thing
            properties:
              parent: ${a.id}
        outputs:
          cArn: ${c.arn}
        """;

    private static IReadOnlyList<string> CreatedNames(DeploymentResult r)
        => r.CallsOf("Create").Select(c => c.RequestAs<CreateRequest>().Name).ToList();

    [Fact]
    public async Task Up_creates_in_dependency_order_and_passes_outputs_along()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        var result = await f.UpOkAsync();

        Assert.Equal(["a", "b", "c"], CreatedNames(result));
        var a = result.State.Resources.Single(r => r.Name == "a");
        var b = result.CallsOf("Create").Select(c => c.RequestAs<CreateRequest>()).Single(c => c.Name == "b");
        Assert.Equal(a.Id, b.Properties.Fields["parent"].StringValue);
        Assert.Equal("arn:" + result.State.Resources.Single(r => r.Name == "c").Id, result.Outputs.Fields["cArn"].StringValue);
        Assert.Equal([a.Urn], result.State.Resources.Single(r => r.Name == "b").Dependencies);
    }

    [Fact]
    public async Task Every_create_is_preceded_by_its_check_and_the_provider_is_configured_first()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        var result = await f.UpOkAsync();

        var seq = result.CallSequence;
        Assert.Equal(["Handshake", "GetPluginInfo", "GetSchema", "CheckConfig", "Configure"], seq.Take(5));
        Assert.Equal(["Check", "Create", "Check", "Create", "Check", "Create"], seq.Skip(5));
        var check = result.CallsOf("Check").First().RequestAs<CheckRequest>();
        Assert.Empty(check.Olds.Fields);
        Assert.Equal(32, check.RandomSeed.Length);
        Assert.Equal("mvm:index:Thing", check.Type);
        Assert.Equal("urn:pulumi:dev::lab::mvm:index:Thing::a", check.Urn);
    }

    [Fact]
    public async Task Removed_resources_are_deleted_dependents_first()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        await f.UpOkAsync();
        f.Write("""
            name: lab
            runtime: yaml
            resources: {}
            """);
        var result = await f.UpOkAsync();

        var deleted = result.CallsOf("Delete").Select(c => c.RequestAs<DeleteRequest>().Name).ToList();
        Assert.Equal(["c", "b", "a"], deleted);
        Assert.Empty(f.Cloud.Objects);
        Assert.Empty(result.State.Resources);
        var delete = result.CallsOf("Delete").First().RequestAs<DeleteRequest>();
        Assert.True(delete.Properties.Fields.ContainsKey("arn"), "Delete gets the old outputs");
        Assert.False(delete.OldInputs.Fields.ContainsKey("arn"), "old_inputs are the inputs, not the outputs");
    }

    [Fact]
    public async Task Destroy_deletes_in_reverse_dependency_order()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        await f.UpOkAsync();
        var result = await f.Engine.DestroyAsync();

        Assert.True(result.Succeeded, result.Transcript);
        Assert.Equal(["c", "b", "a"], result.CallsOf("Delete").Select(c => c.RequestAs<DeleteRequest>().Name));
        Assert.Empty(result.State.Resources);
        Assert.Empty(f.Cloud.Objects);
    }

    [Fact]
    public async Task Preview_calls_create_with_preview_and_makes_outputs_of_new_resources_unknown()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        var result = await f.PreviewAsync();

        Assert.True(result.Succeeded, result.Transcript);
        Assert.All(result.CallsOf("Create"), c => Assert.True(c.RequestAs<CreateRequest>().Preview));
        var bCheck = result.CallsOf("Check").Select(c => c.RequestAs<CheckRequest>()).Single(c => c.Name == "b");
        Assert.Equal(Unknowns.String, bCheck.News.Fields["parent"].StringValue); // a.id is unknown until created
        Assert.Empty(f.Cloud.Objects);
        Assert.False(File.Exists(f.Engine.StatePath), "preview writes no state");
        Assert.Contains("+  mvm:index:Thing a create", result.Transcript);
    }

    [Fact]
    public async Task Preview_never_calls_delete()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        await f.UpOkAsync();
        f.Write("name: lab\nruntime: yaml\n");
        var result = await f.PreviewAsync();

        Assert.True(result.Succeeded, result.Transcript);
        Assert.Empty(result.CallsOf("Delete"));
        Assert.Equal(3, result.Steps.Count(s => s.Op == StepOp.Delete));
        Assert.Equal(3, f.Cloud.Objects.Count);
    }

    [Fact]
    public async Task Second_up_with_no_changes_is_all_same()
    {
        await using var f = await EngineFixture.StartAsync(Chain);
        await f.UpOkAsync();
        var result = await f.UpOkAsync();

        Assert.Empty(result.CallsOf("Create"));
        Assert.Empty(result.CallsOf("Update"));
        Assert.Equal(3, result.CallsOf("Diff").Count());
        Assert.All(result.Steps.Where(s => !s.IsProvider), s => Assert.Equal(StepOp.Same, s.Op));
        var diff = result.CallsOf("Diff").First().RequestAs<DiffRequest>();
        Assert.True(diff.Olds.Fields.ContainsKey("arn"), "Diff olds are the old outputs");
        Assert.Equal(diff.News, diff.OldInputs);
    }
}
