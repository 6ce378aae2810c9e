using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;

namespace Mvm.EngineHarness.Deployment;

/// <summary>Replacements (create-before-delete / delete-before-create) and deletes of removed resources.</summary>
internal sealed partial class UpdateRun
{
    /// <summary>Maps pending-delete copies to the position of their original in the old state (for delete order).</summary>
    private readonly Dictionary<ResourceState, int> _pendingOrigin = new(ReferenceEqualityComparer.Instance);

    private async Task ReplaceAsync(Goal goal, ResourceState old, DiffOutcome diff, Protocol.Wire.DiffResponse? response)
    {
        if (old.Protect)
        {
            var message = $"unable to replace resource {goal.Urn} as it is currently marked for protection. " +
                          "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`";
            Finish(new StepRecord { Op = StepOp.CreateReplacement, Urn = goal.Urn, Name = goal.Name, Type = goal.Type, Status = StepStatus.Failed, Error = message, Changes = diff.Changes, ReplaceKeys = diff.ReplaceKeys });
            throw new DeploymentException(message);
        }
        // The resource option, when set, overrides the provider's DiffResponse.deleteBeforeReplace.
        var deleteBeforeReplace = goal.Options.DeleteBeforeReplace ?? diff.DeleteBeforeReplace;
        var outcome = diff with { DeleteBeforeReplace = deleteBeforeReplace };

        // The replacement is a new object: Check again with olds omitted so defaults are fresh.
        var (fresh, failures) = await CallAsync(goal, StepOp.CreateReplacement,
            () => goal.Provider.CheckAsync(goal.Urn, goal.Name, goal.Type, new Struct(), goal.News)).ConfigureAwait(false);
        if (failures.Count > 0)
            FailCheck(goal, StepOp.CreateReplacement, failures);

        if (deleteBeforeReplace)
        {
            var dependents = await DependentReplacementsAsync(old).ConfigureAwait(false);
            foreach (var dependent in dependents.AsEnumerable().Reverse())
            {
                await DeleteAsync(dependent, StepOp.DeleteReplaced, replacement: true).ConfigureAwait(false);
                _deletedForReplacement[dependent.Urn] = dependent;
            }
            await DeleteAsync(old, StepOp.DeleteReplaced, replacement: true, outcome).ConfigureAwait(false);
            await CreateAsync(goal, fresh, StepOp.CreateReplacement, outcome, response, old).ConfigureAwait(false);
        }
        else
        {
            await CreateAsync(goal, fresh, StepOp.CreateReplacement, outcome, response, old).ConfigureAwait(false);
            // The original stays in state, marked for deletion, until the end of the update.
            _handled.Add(old);
            var pending = old.Clone();
            pending.PendingDelete = true;
            _new.Add(pending);
            _pendingDeletes.Add(pending);
            _pendingOrigin[pending] = _old.Resources.IndexOf(old);
            Checkpoint();
        }
    }

    /// <summary>
    /// For delete-before-replace: resources that must be replaced too because they read the replaced resource's
    /// outputs. As the engine does, each dependent's old inputs get the affected properties set to unknown and the
    /// provider's Diff decides (this Diff carries unknowns even in a real update).
    /// </summary>
    private async Task<List<ResourceState>> DependentReplacementsAsync(ResourceState replacedResource)
    {
        var replaced = new HashSet<string>(StringComparer.Ordinal) { replacedResource.Urn };
        var result = new List<ResourceState>();
        var programUrns = _program.Resources.Where(r => !r.IsProvider).Select(r => UrnOf(r.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var dependent in _old.Resources.Skip(_old.Resources.IndexOf(replacedResource) + 1))
        {
            if (dependent.PendingDelete || dependent.IsProvider || _handled.Contains(dependent) || !programUrns.Contains(dependent.Urn))
                continue;
            if (!dependent.Dependencies.Any(replaced.Contains))
                continue;
            var affected = dependent.PropertyDependencies.Where(kv => kv.Value.Any(replaced.Contains)).Select(kv => kv.Key).ToList();
            if (affected.Count == 0)
                continue; // only dependsOn: ordering, not data
            var news = dependent.Inputs.Clone();
            foreach (var key in affected)
                news.Fields[key] = Unknowns.Of();
            var provider = await ProviderForAsync(dependent.Provider!).ConfigureAwait(false);
            Protocol.Wire.DiffResponse response;
            try
            {
                response = await provider.DiffAsync(dependent.Urn, dependent.Name, dependent.Type, dependent.Id, dependent.Outputs, dependent.Inputs, news, []).ConfigureAwait(false);
            }
            catch (RpcFailure e)
            {
                throw new DeploymentException($"{dependent.Urn}: Diff failed while planning delete-before-replace of {replacedResource.Urn}: {e.StatusMessage}", e);
            }
            var decl = _program.Resources.First(r => !r.IsProvider && UrnOf(r.Name) == dependent.Urn);
            if (DiffOutcome.From(response, dependent.Inputs, news, decl.Options.ReplaceOnChanges).Replace)
            {
                result.Add(dependent);
                replaced.Add(dependent.Urn);
            }
        }
        return result;
    }

    /// <summary>The configured provider instance for a state entry's provider reference.</summary>
    private async Task<ProviderInstance> ProviderForAsync(string reference)
    {
        if (_defaultProvider?.Reference == reference)
            return _defaultProvider;
        var explicitProvider = _explicitProviders.Values.FirstOrDefault(p => p.Reference == reference);
        if (explicitProvider is not null)
            return explicitProvider;
        try
        {
            return await _registry.ForStateReferenceAsync(reference, _old).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            throw new DeploymentException($"could not load provider {reference}: {e.StatusMessage}", e);
        }
    }

    /// <summary>Deletes one resource (never in preview). A protected resource cannot be deleted; retainOnDelete only forgets it.</summary>
    private async Task DeleteAsync(ResourceState state, StepOp op, bool replacement, DiffOutcome? diff = null)
    {
        _ctx.ThrowIfCanceled();
        var watch = Stopwatch.StartNew();
        var step = new StepRecord
        {
            Op = state.RetainOnDelete ? StepOp.Discard : op,
            Urn = state.Urn,
            Name = state.Name,
            Type = state.Type,
            Id = state.Id,
            OldInputs = state.Inputs,
            OldOutputs = state.Outputs,
            IsReplacement = replacement,
            Changes = diff?.Changes ?? [],
            ReplaceKeys = diff?.ReplaceKeys ?? [],
            DeleteBeforeReplace = diff?.DeleteBeforeReplace ?? false,
        };
        if (op == StepOp.Delete && state.Protect)
        {
            step.Status = StepStatus.Failed;
            step.Error = $"unable to delete resource {state.Urn} as it is currently marked for protection. " +
                         "To unprotect the resource, either remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the command `pulumi state unprotect`";
            Finish(step);
            throw new DeploymentException(step.Error);
        }
        if (!Preview && !state.RetainOnDelete)
        {
            var provider = await ProviderForAsync(state.Provider ?? throw new DeploymentException($"{state.Urn} has no provider in state")).ConfigureAwait(false);
            try
            {
                await provider.DeleteAsync(state.Urn, state.Name, state.Type, state.Id, state.Outputs, state.Inputs, state.CustomTimeouts.Delete).ConfigureAwait(false);
            }
            catch (RpcFailure e)
            {
                // Delete is atomic: on error the resource is assumed to still exist, so it stays in state.
                step.Status = StepStatus.Failed;
                step.Error = e.StatusMessage;
                step.MaybeCorrupt = e.MaybeCorrupt;
                step.Duration = watch.Elapsed;
                Finish(step);
                throw new DeploymentException($"{state.Urn}: delete failed: {e.StatusMessage}", e);
            }
        }
        _handled.Add(state);
        _new.Remove(state);
        step.Status = Preview ? StepStatus.Planned : StepStatus.Succeeded;
        step.Duration = watch.Elapsed;
        Finish(step);
    }

    /// <summary>Resources gone from the program and create-before-delete originals, in reverse dependency order.</summary>
    private async Task DeleteRemovedAsync()
    {
        var programUrns = _program.Resources.Select(r => UrnOf(r.Name)).ToHashSet(StringComparer.Ordinal);
        var deletes = _old.Resources
            .Select((r, i) => (State: r, Index: i, Op: StepOp.Delete))
            .Where(x => !x.State.PendingDelete && !x.State.IsProvider && !programUrns.Contains(x.State.Urn) && !_handled.Contains(x.State))
            .Concat(_pendingDeletes.Select(p => (State: p, Index: _pendingOrigin[p], Op: StepOp.DeleteReplaced)))
            .OrderByDescending(x => x.Index)
            .ToList();
        foreach (var (state, _, op) in deletes)
            await DeleteAsync(state, op, replacement: op == StepOp.DeleteReplaced).ConfigureAwait(false);

        // Provider resources nobody uses any more leave the state (no RPC: providers have no Delete).
        var stillUsed = AssembleState().Resources.Where(r => r.Provider is not null).Select(r => ResourceState.ParseProviderReference(r.Provider!).Urn).ToHashSet(StringComparer.Ordinal);
        foreach (var provider in _old.Resources.Where(r => r.IsProvider && !_handled.Contains(r)).ToList())
        {
            if (stillUsed.Contains(provider.Urn))
                continue;
            _handled.Add(provider);
            if (provider.Name != "default")
            {
                Finish(new StepRecord
                {
                    Op = StepOp.Delete,
                    Urn = provider.Urn,
                    Name = provider.Name,
                    Type = provider.Type,
                    Id = provider.Id,
                    Status = Preview ? StepStatus.Planned : StepStatus.Succeeded,
                });
            }
        }
        // A default provider configured this run but used by nothing (e.g. only fn::invoke) is not kept either.
        if (_defaultProvider is not null && !_new.Any(r => r.Provider == _defaultProvider.Reference))
            _new.RemoveAll(r => r.Urn == _defaultProvider.Urn && r.IsProvider);
    }
}
