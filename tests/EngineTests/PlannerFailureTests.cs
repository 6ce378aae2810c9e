using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>Check failures, partial failures (init errors), plain errors, and what state keeps after each.</summary>
public sealed class PlannerFailureTests
{
    private const string Two = """
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
              size: ${a.size}
        """;

    [Fact]
    public async Task Check_failures_are_printed_per_property_and_fail_the_resource()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  invalid: vlan 5000 is out of range 1-4094
            """);
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Equal("resource urn:pulumi:dev::lab::mvm:index:Thing::a is invalid", result.Error);
        Assert.Contains(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Message == "invalid: vlan 5000 is out of range 1-4094");
        Assert.Contains("error: invalid: vlan 5000 is out of range 1-4094", result.Transcript);
        Assert.Empty(result.CallsOf("Create"));
        Assert.Equal(StepStatus.Failed, result.Step("a").Status);
    }

    [Fact]
    public async Task Init_failure_saves_the_resource_with_init_errors_and_the_next_up_updates_it()
    {
        await using var f = await EngineFixture.StartAsync(Two);
        f.Cloud.OnCreate = r =>
        {
            if (r.Name != "a")
                return Task.FromResult<CreateResponse?>(null);
            var props = r.Properties.Clone();
            props.Fields["arn"] = Value.ForString("arn:half");
            f.Cloud.Objects["half-1"] = props;
            var detail = new ErrorResourceInitFailed { Id = "half-1", Properties = props };
            detail.Reasons.Add("ceph pool not active+clean after 300s");
            throw RpcFailure.WithDetail(GrpcStatusCode.Unknown, "resource created but not ready", detail);
        };
        var failed = await f.UpAsync();

        Assert.False(failed.Succeeded);
        Assert.Contains("ceph pool not active+clean", failed.Error);
        Assert.Equal(StepStatus.PartialFailure, failed.Step("a").Status);
        Assert.True(failed.Step("a").MaybeCorrupt);
        Assert.DoesNotContain(failed.CallsOf("Create"), c => c.RequestAs<CreateRequest>().Name == "b");
        var saved = StackState.Load(f.Engine.StatePath, "dev", "lab").Resources.Single(r => r.Name == "a");
        Assert.Equal("half-1", saved.Id);
        Assert.Equal(["ceph pool not active+clean after 300s"], saved.InitErrors);

        f.Cloud.OnCreate = null;
        var next = await f.UpOkAsync();
        var update = Assert.Single(next.CallsOf("Update")).RequestAs<UpdateRequest>();
        Assert.Equal("half-1", update.Id); // no diff, but init errors → Update "to continue awaiting initialization"
        Assert.Empty(next.State.Resources.Single(r => r.Name == "a").InitErrors);
        Assert.Equal(StepOp.Create, next.Step("b").Op);
    }

    [Fact]
    public async Task A_plain_create_error_records_nothing_and_keeps_what_was_done()
    {
        await using var f = await EngineFixture.StartAsync(Two);
        f.Cloud.OnCreate = r => r.Name == "b" ? throw new RpcFailure(GrpcStatusCode.FailedPrecondition, "host h1 unreachable: ssh exit 255") : Task.FromResult<CreateResponse?>(null);
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("host h1 unreachable: ssh exit 255", result.Error);
        Assert.False(result.Step("b").MaybeCorrupt); // FAILED_PRECONDITION: cleanly did not happen
        var state = StackState.Load(f.Engine.StatePath, "dev", "lab");
        Assert.Contains(state.Resources, r => r.Name == "a");
        Assert.DoesNotContain(state.Resources, r => r.Name == "b");
        Assert.Contains("**create failed**", result.Transcript);
    }

    [Fact]
    public async Task A_failed_update_leaves_the_old_state_and_unprocessed_resources_untouched()
    {
        await using var f = await EngineFixture.StartAsync(Two);
        var first = await f.UpOkAsync();
        f.Write(Two.Replace("size: 1", "size: 2", StringComparison.Ordinal));
        f.Cloud.OnUpdate = r => r.Name == "a" ? throw new RpcFailure(GrpcStatusCode.Internal, "virsh: domain locked") : null;
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.True(result.Step("a").MaybeCorrupt);
        var state = StackState.Load(f.Engine.StatePath, "dev", "lab");
        Assert.Equal(1, state.Resources.Single(r => r.Name == "a").Inputs.Fields["size"].NumberValue);
        Assert.Equal(first.State.Resources.Single(r => r.Name == "b").Id, state.Resources.Single(r => r.Name == "b").Id);
        Assert.Equal(first.State.Resources.Select(r => r.Urn).Order(), state.Resources.Select(r => r.Urn).Order());
    }

    [Fact]
    public async Task A_failed_delete_of_a_replaced_original_stays_pending_and_is_retried_first_next_time()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  image: u1
            """);
        var oldId = (await f.UpOkAsync()).State.Resources.Single(r => r.Name == "a").Id;
        f.Write("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  image: u2
            """);
        f.Cloud.OnDelete = _ => throw new RpcFailure(GrpcStatusCode.Unavailable, "host busy");
        var failed = await f.UpAsync();
        Assert.False(failed.Succeeded);
        var state = StackState.Load(f.Engine.StatePath, "dev", "lab");
        Assert.Contains(state.Resources, r => r.Id == oldId && r.PendingDelete);
        Assert.Contains(state.Resources, r => r.Name == "a" && !r.PendingDelete && r.Id != oldId);

        f.Cloud.OnDelete = null;
        var retry = await f.UpOkAsync();
        Assert.Equal(oldId, retry.CallsOf("Delete").Single().RequestAs<DeleteRequest>().Id);
        Assert.Equal("Delete", retry.CallSequence.First(m => m is "Delete" or "Check")); // pending deletes go first
        Assert.DoesNotContain(retry.State.Resources, r => r.PendingDelete);
    }

    [Fact]
    public async Task Outputs_with_unknowns_outside_preview_are_rejected()
    {
        await using var f = await EngineFixture.StartAsync(Two);
        f.Cloud.OnCreate = r => Task.FromResult<CreateResponse?>(new CreateResponse
        {
            Id = "x1",
            Properties = PropertyValues.Struct(new { size = 1, arn = Unknowns.String }),
        });
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("unexpected unknown property value in 'arn'", result.Error);
    }

    [Fact]
    public async Task An_empty_id_from_create_is_rejected()
    {
        await using var f = await EngineFixture.StartAsync(Two);
        f.Cloud.OnCreate = r => Task.FromResult<CreateResponse?>(new CreateResponse { Properties = r.Properties });
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("plugin returned empty resource.ID from create", result.Error);
    }

    [Fact]
    public async Task A_broken_program_fails_the_operation_without_launching_plugins()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  x: ${nope.id}
            """);
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("unknown resource, variable or config key 'nope'", result.Error);
        Assert.Empty(f.Cloud.Launches);
        Assert.Contains("error: ", result.Transcript);
    }

    [Fact]
    public async Task Unknown_resource_type_is_reported_with_the_schema_tokens()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Gadget
            """);
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("unknown resource type 'mvm:Gadget'", result.Error);
        Assert.Contains("mvm:index:Thing", result.Error);
    }

    [Fact]
    public async Task The_summary_counts_a_failed_create_as_failed_not_created()
    {
        await using var f = await EngineFixture.StartAsync(Two);
        f.Cloud.OnCreate = r => r.Name == "b" ? throw new RpcFailure(GrpcStatusCode.FailedPrecondition, "host h1 unreachable") : Task.FromResult<CreateResponse?>(null);
        var result = await f.UpAsync();
        var summary = result.Transcript[result.Transcript.LastIndexOf("Resources:", StringComparison.Ordinal)..];
        Assert.Contains("+ 1 created", summary);   // a only
        Assert.Contains("1 failed", summary);      // b
    }
}
