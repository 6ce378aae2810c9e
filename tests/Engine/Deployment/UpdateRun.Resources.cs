using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>Custom resources: Check → Create, or Check → Diff → Same / Update / replacement.</summary>
internal sealed partial class UpdateRun
{
    /// <summary>Everything the steps of one resource share.</summary>
    private sealed record Goal(
        ResourceDeclaration Decl,
        string Urn,
        string Type,
        ProviderInstance Provider,
        Struct News,
        List<string> Dependencies,
        Dictionary<string, List<string>> PropertyDependencies)
    {
        public string Name => Decl.Name;

        public ResourceOptionsDeclaration Options => Decl.Options;
    }

    private async Task ResourceAsync(ResourceDeclaration decl)
    {
        var type = _types[decl.Name];
        var urn = UrnOf(decl.Name);
        var provider = decl.Options.Provider is SymbolExpr p ? _explicitProviders[p.Access.Root] : await DefaultProviderAsync().ConfigureAwait(false);
        var programInputs = await EvaluateAsync(() => _eval.EvaluateObjectAsync(decl.Properties)).ConfigureAwait(false);
        var goal = new Goal(decl, urn, type, provider, programInputs,
            _program.Graph.ResourceDependencies[decl.Name].Select(UrnOf).ToList(),
            PropertyDependencies(decl));

        // An old entry stays "unhandled" (and so is carried over unchanged) until a new entry replaces it.
        var old = _deletedForReplacement.ContainsKey(urn) ? null : _old.Find(urn);
        var imported = false;
        if (old is null && decl.Options.Import is { } importId && !_deletedForReplacement.ContainsKey(urn))
        {
            old = await ImportAsync(goal, importId).ConfigureAwait(false);
            imported = true;
        }
        var news = programInputs.Clone();
        if (old is not null && decl.Options.IgnoreChanges.Count > 0)
        {
            // processIgnoreChanges: ignored paths take their old values before Check.
            foreach (var path in decl.Options.IgnoreChanges)
                PropertyPath.Parse(path).CopyOrRemove(old.Inputs, news);
        }

        var (checkedInputs, failures) = await CallAsync(goal, old is null ? StepOp.Create : StepOp.Update,
            () => goal.Provider.CheckAsync(urn, decl.Name, type, old?.Inputs ?? new Struct(), news)).ConfigureAwait(false);
        if (failures.Count > 0)
            FailCheck(goal, old is null ? StepOp.Create : StepOp.Update, failures);

        if (old is null)
        {
            var replacing = _deletedForReplacement.TryGetValue(urn, out var deleted);
            await CreateAsync(goal, checkedInputs, replacing ? StepOp.CreateReplacement : StepOp.Create,
                replacing ? new DiffOutcome(true, true, true, [], ["(dependency replaced)"]) : null, null, deleted).ConfigureAwait(false);
            return;
        }

        DiffOutcome diff;
        DiffResponse? response = null;
        if (await ProviderChangeForcesReplaceAsync(old, goal.Provider).ConfigureAwait(false))
        {
            diff = new DiffOutcome(true, true, false, [], ["provider"]);
        }
        else
        {
            response = await CallAsync(goal, StepOp.Update, () => goal.Provider.DiffAsync(urn, decl.Name, type, old.Id, old.Outputs, old.Inputs, checkedInputs, decl.Options.IgnoreChanges)).ConfigureAwait(false);
            diff = DiffOutcome.From(response, old.Inputs, checkedInputs, decl.Options.ReplaceOnChanges);
        }

        if (diff.Replace)
        {
            if (imported)
            {
                var message = $"{urn}: the imported resource would be replaced ({string.Join(", ", diff.ReplaceKeys.Concat(diff.Changes.Where(c => c.IsReplace).Select(c => c.Path)).Distinct())}); import cannot replace";
                if (!Preview)
                    throw new DeploymentException(message);
                _ctx.Diagnose(DiagnosticSeverity.Warning, message, urn);
            }
            await ReplaceAsync(goal, old, diff, response).ConfigureAwait(false);
        }
        else if (diff.HasChanges || old.InitErrors.Count > 0)
        {
            // A resource with init errors gets an Update even without a diff, "to continue awaiting initialization".
            await UpdateAsync(goal, old, checkedInputs, diff, response).ConfigureAwait(false);
        }
        else
        {
            Same(goal, old, checkedInputs, response);
        }
    }

    /// <summary>Top-level input key → URNs of the resources its expression reads (through variables too).</summary>
    private Dictionary<string, List<string>> PropertyDependencies(ResourceDeclaration decl)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in decl.Properties.Entries)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>(ExprWalker.References(entry.Value).Select(r => r.Access.Root));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (pending.Count > 0)
            {
                var n = pending.Pop();
                if (!seen.Add(n))
                    continue;
                if (_program.Resource(n) is { IsProvider: false })
                    names.Add(n);
                else if (_program.Variables.Any(v => v.Name == n))
                    foreach (var next in _program.Graph.Edges.GetValueOrDefault(n) ?? [])
                        pending.Push(next);
            }
            if (names.Count > 0)
                result[entry.Key] = names.Select(UrnOf).OrderBy(u => u, StringComparer.Ordinal).ToList();
        }
        return result;
    }

    /// <summary>
    /// A resource whose provider reference changed: same provider resource with a new id (it was replaced) forces
    /// a replace; a different provider resource is asked with DiffConfig against the old provider's state.
    /// </summary>
    private async Task<bool> ProviderChangeForcesReplaceAsync(ResourceState old, ProviderInstance provider)
    {
        if (old.Provider is null || old.Provider == provider.Reference)
            return false;
        var (oldUrn, _) = ResourceState.ParseProviderReference(old.Provider);
        if (oldUrn == provider.Urn)
            return true;
        if (!provider.Configured)
            return false;
        var oldProvider = _old.Resources.FirstOrDefault(r => r.ProviderReference == old.Provider);
        if (oldProvider is null)
            return false;
        try
        {
            var response = await provider.CallAsync(ct => provider.Client.DiffConfigAsync(new DiffRequest
            {
                Id = oldProvider.Id,
                Urn = provider.Urn,
                Name = provider.Name,
                Type = _ctx.ProviderType,
                Olds = PropertyValues.StripSecrets(oldProvider.Outputs),
                OldInputs = PropertyValues.StripSecrets(oldProvider.Inputs),
                News = PropertyValues.StripSecrets(provider.Inputs),
            }, ct)).ConfigureAwait(false);
            return DiffOutcome.From(response, oldProvider.Inputs, provider.Inputs, []).Replace;
        }
        catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
        {
            return false;
        }
    }

    private void FailCheck(Goal goal, StepOp op, IReadOnlyList<CheckFailure> failures)
    {
        foreach (var f in failures)
            _ctx.Diagnose(DiagnosticSeverity.Error, f.Property.Length > 0 ? $"{f.Property}: {f.Reason}" : f.Reason, goal.Urn);
        var step = new StepRecord
        {
            Op = op,
            Urn = goal.Urn,
            Name = goal.Name,
            Type = goal.Type,
            Inputs = goal.News,
            CheckFailures = failures,
            Status = StepStatus.Failed,
        };
        Finish(step);
        throw new DeploymentException($"resource {goal.Urn} is invalid");
    }

    /// <summary>Runs a provider call for a step; an RPC failure fails the deployment with the provider's message.</summary>
    private async Task<T> CallAsync<T>(Goal goal, StepOp op, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            var step = new StepRecord { Op = op, Urn = goal.Urn, Name = goal.Name, Type = goal.Type, Status = StepStatus.Failed, Error = e.StatusMessage, MaybeCorrupt = e.MaybeCorrupt };
            Finish(step);
            throw new DeploymentException($"{goal.Urn}: {e.Method?.Split('/').Last() ?? op.ToString()} failed: {e.StatusMessage}", e);
        }
    }

    private ResourceState NewState(Goal goal, string id, Struct inputs, Struct outputs) => new()
    {
        Urn = goal.Urn,
        Type = goal.Type,
        Name = goal.Name,
        Id = id,
        Inputs = inputs,
        Outputs = outputs,
        Dependencies = goal.Dependencies,
        PropertyDependencies = goal.PropertyDependencies,
        Provider = goal.Provider.Reference,
        Protect = goal.Options.Protect,
        RetainOnDelete = goal.Options.RetainOnDelete,
        CustomTimeouts = goal.Options.CustomTimeouts,
    };

    /// <summary>Outputs as the program will see and store them: additionalSecretOutputs and schema `secret` flags applied.</summary>
    private Struct SecureOutputs(Goal goal, Struct outputs)
    {
        var result = outputs.Clone();
        var secretKeys = goal.Options.AdditionalSecretOutputs.ToHashSet(StringComparer.Ordinal);
        if (_schema?.SecretProperties.TryGetValue(goal.Type, out var schemaSecrets) == true)
        {
            foreach (var key in schemaSecrets)
            {
                if (result.Fields.TryGetValue(key, out var v) && !PropertyValues.IsSecret(v) && !Unknowns.IsUnknown(v) && v.KindCase != Value.KindOneofCase.NullValue)
                {
                    _ctx.Diagnose(DiagnosticSeverity.Warning,
                        $"the schema marks '{key}' secret but the provider returned it in plaintext; the program stores it as a secret anyway", goal.Urn);
                    secretKeys.Add(key);
                }
            }
        }
        foreach (var key in secretKeys)
        {
            if (result.Fields.TryGetValue(key, out var v))
                result.Fields[key] = PropertyValues.Secret(v);
        }
        return result;
    }

    private void Publish(Goal goal, string id, Struct? outputs, bool changing)
    {
        _eval.Resources[goal.Name] = new EvaluatedResource
        {
            Name = goal.Name,
            Urn = goal.Urn,
            Id = Preview && string.IsNullOrEmpty(id) ? Unknowns.Of() : Value.ForString(id),
            Outputs = outputs ?? new Struct(),
            MissingIsUnknown = Preview && changing,
        };
    }

    private async Task CreateAsync(Goal goal, Struct inputs, StepOp op, DiffOutcome? diff, DiffResponse? response, ResourceState? replaced)
    {
        var watch = Stopwatch.StartNew();
        var step = new StepRecord
        {
            Op = op,
            Urn = goal.Urn,
            Name = goal.Name,
            Type = goal.Type,
            Inputs = inputs,
            OldInputs = replaced?.Inputs,
            OldOutputs = replaced?.Outputs,
            Diff = response,
            Changes = diff?.Changes ?? [],
            ReplaceKeys = diff?.ReplaceKeys ?? [],
            DeleteBeforeReplace = diff?.DeleteBeforeReplace ?? false,
            IsReplacement = op == StepOp.CreateReplacement,
        };
        string id;
        Struct? outputs;
        try
        {
            (id, outputs) = await goal.Provider.CreateAsync(goal.Urn, goal.Name, goal.Type, inputs, goal.Options.CustomTimeouts.Create).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            throw FailWrite(goal, step, e, watch, init => NewState(goal, init.Id, init.Inputs ?? inputs, SecureOutputs(goal, init.Properties ?? new Struct())));
        }
        catch (DeploymentException e)
        {
            step.Status = StepStatus.Failed;
            step.Error = e.Message;
            step.Duration = watch.Elapsed;
            Finish(step);
            throw;
        }
        if (outputs is not null)
            outputs = SecureOutputs(goal, outputs);
        step.Id = id;
        step.Outputs = outputs;
        step.Status = Preview ? StepStatus.Planned : StepStatus.Succeeded;
        step.Duration = watch.Elapsed;
        _new.Add(NewState(goal, id, inputs, outputs ?? new Struct()));
        Publish(goal, id, outputs, changing: true);
        Finish(step);
    }

    /// <summary>
    /// A Create/Update error: with ErrorResourceInitFailed the object exists — save it with its init errors
    /// (partial failure); otherwise nothing is recorded. Either way the deployment fails: returns what to throw.
    /// </summary>
    private DeploymentException FailWrite(Goal goal, StepRecord step, RpcFailure e, Stopwatch watch, Func<ErrorResourceInitFailed, ResourceState> partialState)
    {
        step.Duration = watch.Elapsed;
        step.Error = e.StatusMessage;
        step.MaybeCorrupt = e.MaybeCorrupt;
        if (!Preview && e.InitFailed is { } init)
        {
            var state = partialState(init);
            state.InitErrors = [.. init.Reasons];
            _new.Add(state);
            step.Status = StepStatus.PartialFailure;
            step.Id = state.Id;
            step.Outputs = state.Outputs;
            step.InitErrors = [.. init.Reasons];
            foreach (var reason in init.Reasons)
                _ctx.Diagnose(DiagnosticSeverity.Error, reason, goal.Urn);
            Finish(step);
            return new DeploymentException($"{goal.Urn}: resource partially created or updated but failed to initialize: {string.Join("; ", init.Reasons.DefaultIfEmpty(e.StatusMessage))}", e);
        }
        step.Status = StepStatus.Failed;
        Finish(step);
        return new DeploymentException($"{goal.Urn}: {step.Op.ToString().ToLowerInvariant()} failed: {e.StatusMessage}", e);
    }

    private async Task UpdateAsync(Goal goal, ResourceState old, Struct inputs, DiffOutcome diff, DiffResponse? response)
    {
        var watch = Stopwatch.StartNew();
        var step = new StepRecord
        {
            Op = StepOp.Update,
            Urn = goal.Urn,
            Name = goal.Name,
            Type = goal.Type,
            Id = old.Id,
            Inputs = inputs,
            OldInputs = old.Inputs,
            OldOutputs = old.Outputs,
            Diff = response,
            Changes = diff.Changes,
        };
        Struct? outputs;
        try
        {
            outputs = await goal.Provider.UpdateAsync(goal.Urn, goal.Name, goal.Type, old.Id, old.Outputs, old.Inputs, inputs,
                goal.Options.CustomTimeouts.Update, goal.Options.IgnoreChanges).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            // Without init-failure details the update did not happen and the old entry stands (it stays unhandled).
            throw FailWrite(goal, step, e, watch, init =>
            {
                _handled.Add(old);
                return NewState(goal, old.Id, init.Inputs ?? inputs, SecureOutputs(goal, init.Properties ?? old.Outputs));
            });
        }
        catch (DeploymentException e)
        {
            step.Status = StepStatus.Failed;
            step.Error = e.Message;
            Finish(step);
            throw;
        }
        if (outputs is not null)
            outputs = SecureOutputs(goal, outputs);
        step.Outputs = outputs;
        step.Status = Preview ? StepStatus.Planned : StepStatus.Succeeded;
        step.Duration = watch.Elapsed;
        _handled.Add(old);
        _new.Add(NewState(goal, old.Id, inputs, outputs ?? new Struct()));
        Publish(goal, old.Id, outputs, changing: true);
        Finish(step);
    }

    private void Same(Goal goal, ResourceState old, Struct inputs, DiffResponse? response)
    {
        var state = NewState(goal, old.Id, inputs, old.Outputs);
        state.RefreshBeforeUpdate = old.RefreshBeforeUpdate;
        _handled.Add(old);
        _new.Add(state);
        Publish(goal, old.Id, old.Outputs, changing: false);
        Finish(new StepRecord
        {
            Op = StepOp.Same,
            Urn = goal.Urn,
            Name = goal.Name,
            Type = goal.Type,
            Id = old.Id,
            Inputs = inputs,
            OldInputs = old.Inputs,
            OldOutputs = old.Outputs,
            Outputs = old.Outputs,
            Diff = response,
            Status = Preview ? StepStatus.Planned : StepStatus.Succeeded,
        });
    }

    /// <summary>`import` option: Read with only the id; the result becomes the "old" state the program is diffed against.</summary>
    private async Task<ResourceState> ImportAsync(Goal goal, string importId)
    {
        var watch = Stopwatch.StartNew();
        var read = await CallAsync(goal, StepOp.Import, () => goal.Provider.ReadAsync(goal.Urn, goal.Name, goal.Type, importId, null, null, goal.Options.CustomTimeouts.Read)).ConfigureAwait(false);
        if (read.Properties is null || read.Inputs is null)
        {
            var message = read.Properties is null
                ? $"{goal.Urn}: resource '{importId}' does not exist"
                : $"{goal.Urn}: provider does not support importing resources (Read returned no inputs)";
            Finish(new StepRecord { Op = StepOp.Import, Urn = goal.Urn, Name = goal.Name, Type = goal.Type, Status = StepStatus.Failed, Error = message });
            throw new DeploymentException(message);
        }
        var state = NewState(goal, string.IsNullOrEmpty(read.Id) ? importId : read.Id, read.Inputs, read.Properties);
        Finish(new StepRecord
        {
            Op = StepOp.Import,
            Urn = goal.Urn,
            Name = goal.Name,
            Type = goal.Type,
            Id = state.Id,
            Inputs = read.Inputs,
            Outputs = read.Properties,
            Status = Preview ? StepStatus.Planned : StepStatus.Succeeded,
            Duration = watch.Elapsed,
        });
        return state;
    }
}
