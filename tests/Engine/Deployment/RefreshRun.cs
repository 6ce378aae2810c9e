using System.Diagnostics;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// `refresh`: Read every resource (properties = old outputs, inputs = old inputs); an empty id means it is gone.
/// Drift is shown the engine's way: Diff(olds = refreshed outputs, old_inputs = refreshed inputs, news = old inputs),
/// inverted; changed outputs are listed too (see <see cref="OutputChanges"/>). Runs from state alone (the program is not run), with each resource's provider rebuilt from state.
/// </summary>
internal sealed class RefreshRun(RunContext ctx, StackState old, ProviderRegistry registry)
{
    private readonly StackState _state = old.Clone();

    public async Task RunAsync()
    {
        foreach (var resource in _state.Resources.Where(r => !r.IsProvider && !r.PendingDelete).ToList())
        {
            ctx.ThrowIfCanceled();
            await RefreshAsync(resource).ConfigureAwait(false);
            if (!ctx.Preview)
                Assemble().Save(ctx.Options.StatePath, ctx.Options.SecretsPassphrase);
        }
    }

    public StackState Assemble()
    {
        var result = _state.Clone();
        result.Updated = DateTimeOffset.UtcNow;
        return result;
    }

    private async Task RefreshAsync(ResourceState resource)
    {
        var watch = Stopwatch.StartNew();
        var provider = await registry.ForStateReferenceAsync(resource.Provider ?? throw new DeploymentException($"{resource.Urn} has no provider in state"), old).ConfigureAwait(false);
        Protocol.Wire.ReadResponse read;
        var warnings = new List<string>();
        try
        {
            read = await provider.ReadAsync(resource.Urn, resource.Name, resource.Type, resource.Id, resource.Outputs, resource.Inputs, resource.CustomTimeouts.Read).ConfigureAwait(false);
        }
        catch (RpcFailure e) when (e.InitFailed is { } init)
        {
            // For Read, init errors only warn (the object exists but is unhealthy).
            var message = $"Refreshed resource is in an unhealthy state:\n* {string.Join("\n* ", init.Reasons)}";
            ctx.Diagnose(DiagnosticSeverity.Warning, message, resource.Urn);
            warnings.Add(message);
            read = new Protocol.Wire.ReadResponse { Id = string.IsNullOrEmpty(init.Id) ? resource.Id : init.Id, Properties = init.Properties, Inputs = init.Inputs };
            resource.InitErrors = [.. init.Reasons];
        }
        catch (RpcFailure e)
        {
            var failed = new StepRecord { Op = StepOp.Refresh, Urn = resource.Urn, Name = resource.Name, Type = resource.Type, Id = resource.Id, Status = StepStatus.Failed, Error = e.StatusMessage, MaybeCorrupt = e.MaybeCorrupt, Duration = watch.Elapsed };
            ctx.AddStep(failed);
            ctx.Report(failed);
            throw new DeploymentException($"{resource.Urn}: refresh failed: {e.StatusMessage}", e);
        }

        if (string.IsNullOrEmpty(read.Id) || read.Properties is null)
        {
            // Gone: it leaves the state.
            _state.Resources.Remove(resource);
            var gone = new StepRecord
            {
                Op = StepOp.Discard,
                Urn = resource.Urn,
                Name = resource.Name,
                Type = resource.Type,
                Id = resource.Id,
                OldInputs = resource.Inputs,
                OldOutputs = resource.Outputs,
                Status = ctx.Preview ? StepStatus.Planned : StepStatus.Succeeded,
                Duration = watch.Elapsed,
            };
            ctx.AddStep(gone);
            ctx.Report(gone);
            return;
        }

        var refreshedInputs = read.Inputs ?? resource.Inputs;
        Protocol.Wire.DiffResponse? diff = null;
        IReadOnlyList<PropertyChange> changes = [];
        try
        {
            diff = await provider.DiffAsync(resource.Urn, resource.Name, resource.Type, read.Id, read.Properties, refreshedInputs, resource.Inputs, []).ConfigureAwait(false);
            var outcome = DiffOutcome.From(diff, refreshedInputs, resource.Inputs, []);
            if (outcome.HasChanges)
                changes = DiffOutcome.Invert(outcome.Changes);
        }
        catch (RpcFailure e)
        {
            var message = $"could not compute drift (Diff failed): {e.StatusMessage}";
            ctx.Diagnose(DiagnosticSeverity.Warning, message, resource.Urn);
            warnings.Add(message);
        }

        var step = new StepRecord
        {
            Op = StepOp.Refresh,
            Urn = resource.Urn,
            Name = resource.Name,
            Type = resource.Type,
            Id = read.Id,
            OldInputs = resource.Inputs,
            OldOutputs = resource.Outputs,
            Inputs = refreshedInputs,
            Outputs = read.Properties,
            Diff = diff,
            Changes = changes,
            OutputChanges = OutputChanges.Between(resource.Outputs, read.Properties),
            Warnings = warnings,
            InitErrors = resource.InitErrors,
            Status = ctx.Preview ? StepStatus.Planned : StepStatus.Succeeded,
            Duration = watch.Elapsed,
        };
        resource.Id = read.Id;
        resource.Inputs = refreshedInputs;
        resource.Outputs = read.Properties;
        resource.RefreshBeforeUpdate = read.RefreshBeforeUpdate;
        if (warnings.Count == 0)
            resource.InitErrors = [];
        ctx.AddStep(step);
        ctx.Report(step);
    }
}
