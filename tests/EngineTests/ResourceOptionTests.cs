using Mvm.EngineHarness.Deployment;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>customTimeouts, ignoreChanges, retainOnDelete and cancellation as the engine applies them.</summary>
public sealed class ResourceOptionTests
{
    [Fact]
    public async Task Custom_timeouts_are_sent_in_seconds()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  size: 1
                options:
                  customTimeouts:
                    create: 5m
                    update: 1h30m
                    delete: 45s
            """);
        var up = await f.UpOkAsync();
        Assert.Equal(300, up.CallsOf("Create").Single().RequestAs<CreateRequest>().Timeout);

        f.Write("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  size: 2
                options:
                  customTimeouts:
                    create: 5m
                    update: 1h30m
                    delete: 45s
            """);
        var update = await f.UpOkAsync();
        Assert.Equal(5400, update.CallsOf("Update").Single().RequestAs<UpdateRequest>().Timeout);

        var destroy = await f.Engine.DestroyAsync();
        Assert.Equal(45, destroy.CallsOf("Delete").Single().RequestAs<DeleteRequest>().Timeout);
    }

    [Fact]
    public async Task Ignored_changes_keep_the_old_value_before_check()
    {
        const string template = """
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  size: 1
                  labels:
                    team: {0}
                options:
                  ignoreChanges: [labels.team]
            """;
        await using var f = await EngineFixture.StartAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, "ops"));
        await f.UpOkAsync();
        f.Write(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, "dev"));
        var result = await f.UpOkAsync();

        var check = result.CallsOf("Check").Single().RequestAs<CheckRequest>();
        Assert.Equal("ops", check.News.Fields["labels"].StructValue.Fields["team"].StringValue);
        Assert.Equal(["labels.team"], result.CallsOf("Diff").Single().RequestAs<DiffRequest>().IgnoreChanges);
        Assert.Equal(StepOp.Same, result.Step("a").Op);
    }

    [Fact]
    public async Task RetainOnDelete_forgets_the_resource_without_calling_delete()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  size: 1
                options:
                  retainOnDelete: true
            """);
        await f.UpOkAsync();
        f.Write("name: lab\nruntime: yaml\n");
        var result = await f.UpOkAsync();

        Assert.Empty(result.CallsOf("Delete"));
        Assert.Equal(StepOp.Discard, result.Step("a").Op);
        Assert.Single(f.Cloud.Objects);
        Assert.Empty(result.State.Resources);
    }

    [Fact]
    public async Task Cancelling_sends_Cancel_lets_the_running_step_finish_and_starts_nothing_new()
    {
        await using var f = await EngineFixture.StartAsync("""
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
            """);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Cloud.OnCreate = async r =>
        {
            if (r.Name == "a")
            {
                entered.TrySetResult();
                await release.Task;
            }
            return null;
        };
        using var cts = new CancellationTokenSource();
        var up = f.Engine.UpAsync(null, cts.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cts.Cancel();
        await WaitUntilAsync(() => Volatile.Read(ref f.Cloud.CancelCount) > 0);
        release.SetResult();
        var result = await up.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(result.Succeeded);
        Assert.True(result.Canceled);
        Assert.Equal("update canceled", result.Error);
        Assert.Contains(result.State.Resources, r => r.Name == "a"); // the in-flight create completed and was saved
        Assert.DoesNotContain(result.CallsOf("Create"), c => c.RequestAs<CreateRequest>().Name == "b");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in 30 s");
            await Task.Delay(10);
        }
    }
}
