using System.Diagnostics;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;

namespace Mvm.EngineHarness.Deployment;

/// <summary>`destroy`: Delete every resource in reverse dependency order (properties = outputs, old_inputs = inputs).</summary>
internal sealed class DestroyRun(RunContext ctx, StackState old, ProviderRegistry registry)
{
    private readonly StackState _state = old.Clone();

    public StackState Assemble()
    {
        var result = _state.Clone();
        result.Updated = DateTimeOffset.UtcNow;
        if (result.Resources.All(r => r.IsProvider))
            result.Outputs = new Google.Protobuf.WellKnownTypes.Struct();
        return result;
    }

    public async Task RunAsync()
    {
        foreach (var resource in _state.Resources.Where(r => !r.IsProvider).Reverse().ToList())
        {
            ctx.ThrowIfCanceled();
            await DeleteAsync(resource).ConfigureAwait(false);
            if (!ctx.Preview)
                Assemble().Save(ctx.Options.StatePath, ctx.Options.SecretsPassphrase);
        }
        foreach (var provider in _state.Resources.Where(r => r.IsProvider).Reverse().ToList())
        {
            _state.Resources.Remove(provider);
            if (provider.Name == "default")
                continue;
            var step = new StepRecord { Op = StepOp.Delete, Urn = provider.Urn, Name = provider.Name, Type = provider.Type, Id = provider.Id, Status = ctx.Preview ? StepStatus.Planned : StepStatus.Succeeded };
            ctx.AddStep(step);
            ctx.Report(step);
        }
    }

    private async Task DeleteAsync(ResourceState resource)
    {
        var watch = Stopwatch.StartNew();
        var step = new StepRecord
        {
            Op = resource.RetainOnDelete ? StepOp.Discard : StepOp.Delete,
            Urn = resource.Urn,
            Name = resource.Name,
            Type = resource.Type,
            Id = resource.Id,
            OldInputs = resource.Inputs,
            OldOutputs = resource.Outputs,
        };
        ctx.AddStep(step);
        if (resource.Protect)
        {
            step.Status = StepStatus.Failed;
            step.Error = $"unable to delete resource {resource.Urn} as it is currently marked for protection. " +
                         "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`";
            ctx.Report(step);
            throw new DeploymentException(step.Error);
        }
        if (!ctx.Preview && !resource.RetainOnDelete)
        {
            var provider = await registry.ForStateReferenceAsync(resource.Provider ?? throw new DeploymentException($"{resource.Urn} has no provider in state"), old).ConfigureAwait(false);
            try
            {
                await provider.DeleteAsync(resource.Urn, resource.Name, resource.Type, resource.Id, resource.Outputs, resource.Inputs, resource.CustomTimeouts.Delete).ConfigureAwait(false);
            }
            catch (RpcFailure e)
            {
                step.Status = StepStatus.Failed;
                step.Error = e.StatusMessage;
                step.MaybeCorrupt = e.MaybeCorrupt;
                step.Duration = watch.Elapsed;
                ctx.Report(step);
                throw new DeploymentException($"{resource.Urn}: delete failed: {e.StatusMessage}", e);
            }
        }
        _state.Resources.Remove(resource);
        step.Status = ctx.Preview ? StepStatus.Planned : StepStatus.Succeeded;
        step.Duration = watch.Elapsed;
        ctx.Report(step);
    }
}
