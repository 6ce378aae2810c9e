using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>Update vs replace, and the two replacement orders.</summary>
public sealed class PlannerReplaceTests
{
    private static string Program(string image, string size = "1", string options = "", string extra = "") => $$"""
        name: lab
        runtime: yaml
        resources:
          a:
            type: mvm:Thing
            properties:
              image: {{image}}
              size: {{size}}
        {{options}}
        {{extra}}
        """;

    private static int IndexOf(DeploymentResult r, string method, string name)
        => r.Calls.Select((c, i) => (c, i)).First(x => x.c.Method == method && NameOf(x.c.Request) == name).i;

    private static string NameOf(Google.Protobuf.IMessage m) => m switch
    {
        CreateRequest c => c.Name,
        DeleteRequest d => d.Name,
        CheckRequest k => k.Name,
        _ => "",
    };

    [Fact]
    public async Task Changed_property_without_replace_is_an_update_with_old_outputs_and_old_inputs()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1"));
        var first = await f.UpOkAsync();
        var id = first.State.Resources.Single(r => r.Name == "a").Id;
        f.Write(Program("u1", size: "2"));
        var result = await f.UpOkAsync();

        var update = Assert.Single(result.CallsOf("Update")).RequestAs<UpdateRequest>();
        Assert.Equal(id, update.Id);
        Assert.Equal(2, update.News.Fields["size"].NumberValue);
        Assert.Equal(1, update.OldInputs.Fields["size"].NumberValue);
        Assert.Equal("arn:" + id, update.Olds.Fields["arn"].StringValue);
        Assert.False(update.Preview);
        Assert.Empty(result.CallsOf("Create"));
        var step = result.Step("a");
        Assert.Equal(StepOp.Update, step.Op);
        Assert.Equal(["size"], step.Changes.Select(c => c.Path));
        Assert.Equal(2, result.State.Resources.Single(r => r.Name == "a").Inputs.Fields["size"].NumberValue);
    }

    [Fact]
    public async Task Replace_is_create_before_delete_by_default_and_the_old_copy_is_deleted_last()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1"));
        var oldId = (await f.UpOkAsync()).State.Resources.Single(r => r.Name == "a").Id;
        f.Write(Program("u2"));
        var result = await f.UpOkAsync();

        Assert.True(IndexOf(result, "Create", "a") < IndexOf(result, "Delete", "a"));
        Assert.Equal("Delete", result.CallSequence[^1]);
        Assert.Equal(oldId, result.CallsOf("Delete").Single().RequestAs<DeleteRequest>().Id);
        var checks = result.CallsOf("Check").Select(c => c.RequestAs<CheckRequest>()).ToList();
        Assert.Equal(2, checks.Count);
        Assert.Equal("u1", checks[0].Olds.Fields["image"].StringValue);
        Assert.Empty(checks[1].Olds.Fields); // replacement: Check again with olds omitted
        var state = Assert.Single(result.State.Resources, r => r.Name == "a");
        Assert.NotEqual(oldId, state.Id);
        Assert.False(state.PendingDelete);
        Assert.Equal(["a"], f.Cloud.Names);
        var step = result.Step("a");
        Assert.Equal(StepOp.CreateReplacement, step.Op);
        Assert.Contains("image", step.ReplaceKeys);
        Assert.False(step.DeleteBeforeReplace);
    }

    [Fact]
    public async Task DeleteBeforeReplace_option_deletes_first()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1"));
        await f.UpOkAsync();
        f.Write(Program("u2", options: "    options:\n      deleteBeforeReplace: true"));
        var result = await f.UpOkAsync();

        Assert.True(IndexOf(result, "Delete", "a") < IndexOf(result, "Create", "a"));
        Assert.True(result.Step("a").DeleteBeforeReplace);
    }

    [Fact]
    public async Task Provider_deleteBeforeReplace_is_honoured_and_the_option_overrides_it()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1"));
        f.Cloud.DeleteBeforeReplace = true;
        await f.UpOkAsync();
        f.Write(Program("u2"));
        var dbr = await f.UpOkAsync();
        Assert.True(IndexOf(dbr, "Delete", "a") < IndexOf(dbr, "Create", "a"));

        f.Write(Program("u3", options: "    options:\n      deleteBeforeReplace: false"));
        var cbd = await f.UpOkAsync();
        Assert.True(IndexOf(cbd, "Create", "a") < IndexOf(cbd, "Delete", "a"));
    }

    [Fact]
    public async Task Delete_before_replace_also_replaces_dependents_that_would_be_replaced()
    {
        const string extra = """
              b:
                type: mvm:Thing
                properties:
                  image: ${a.arn}
              c:
                type: mvm:Thing
                properties:
                  size: 3
                options:
                  dependsOn:
                    - ${a}
            """;
        await using var f = await EngineFixture.StartAsync(Program("u1", extra: extra));
        await f.UpOkAsync();
        f.Write(Program("u2", options: "    options:\n      deleteBeforeReplace: true", extra: extra));
        var result = await f.UpOkAsync();

        // b reads a.arn through `image`, a replace-on-change property: it must go before a and come back after.
        var deleteB = IndexOf(result, "Delete", "b");
        var deleteA = IndexOf(result, "Delete", "a");
        var createA = IndexOf(result, "Create", "a");
        var createB = IndexOf(result, "Create", "b");
        Assert.True(deleteB < deleteA && deleteA < createA && createA < createB, string.Join(",", result.CallSequence));
        // The planning Diff for b saw a.arn as unknown.
        Assert.Contains(result.CallsOf("Diff").Select(c => c.RequestAs<DiffRequest>()), d => d.Name == "b" && Unknowns.IsUnknown(d.News.Fields["image"]));
        // c only dependsOn a: not replaced.
        Assert.DoesNotContain(result.CallsOf("Delete"), c => c.RequestAs<DeleteRequest>().Name == "c");
        Assert.Equal(["a", "b", "c"], f.Cloud.Names);
        Assert.Equal("arn:" + result.State.Resources.Single(r => r.Name == "a").Id,
            result.State.Resources.Single(r => r.Name == "b").Inputs.Fields["image"].StringValue);
    }

    [Fact]
    public async Task Protected_resources_cannot_be_replaced_or_deleted()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1", options: "    options:\n      protect: true"));
        await f.UpOkAsync();
        f.Write(Program("u2", options: "    options:\n      protect: true"));
        var replace = await f.UpAsync();
        Assert.False(replace.Succeeded);
        Assert.Contains("marked for protection", replace.Error);
        Assert.Empty(replace.CallsOf("Create"));

        f.Write("name: lab\nruntime: yaml\n");
        var delete = await f.UpAsync();
        Assert.False(delete.Succeeded);
        Assert.Contains("marked for protection", delete.Error);
        Assert.Empty(delete.CallsOf("Delete"));
        Assert.Single(f.Cloud.Objects);
        Assert.Contains(delete.State.Resources, r => r.Name == "a");
    }

    [Fact]
    public async Task Preview_of_a_replacement_calls_no_delete_and_shows_the_plan()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1"));
        await f.UpOkAsync();
        f.Write(Program("u2"));
        var result = await f.PreviewAsync();

        Assert.True(result.Succeeded, result.Transcript);
        Assert.Empty(result.CallsOf("Delete"));
        Assert.True(result.CallsOf("Create").Single().RequestAs<CreateRequest>().Preview);
        Assert.Contains("+- mvm:index:Thing a create-replacement [diff: ~image]", result.Transcript);
        Assert.Contains("~ image: update-replace", result.Transcript);
        Assert.Contains("+-1 to replace", result.Transcript);
    }

    [Fact]
    public async Task ReplaceOnChanges_option_upgrades_an_update_to_a_replace()
    {
        await using var f = await EngineFixture.StartAsync(Program("u1"));
        await f.UpOkAsync();
        f.Write(Program("u1", size: "5", options: "    options:\n      replaceOnChanges: [size]"));
        var result = await f.UpOkAsync();

        Assert.Empty(result.CallsOf("Update"));
        Assert.Equal(StepOp.CreateReplacement, result.Step("a").Op);
        Assert.Single(result.CallsOf("Delete"));
    }
}
