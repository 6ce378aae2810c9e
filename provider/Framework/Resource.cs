using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>
/// A typed resource: Args (what the user declares) and State (Args plus what the provider reports),
/// with Check / Diff / Create / Read / Update / Delete written against those records. The base
/// class does the wire work: decoding, defaults, secrets, unknowns in preview, detailed diffs.
/// </summary>
public abstract class Resource<[DynamicallyAccessedMembers(ModelMembers.Kept)] TArgs,
    [DynamicallyAccessedMembers(ModelMembers.Kept)] TState> : IResource
    where TArgs : class, new()
    where TState : class, TArgs, new()
{
    protected Resource()
    {
        Info = GetType().GetCustomAttribute<ResourceTypeAttribute>()
            ?? throw new InvalidOperationException($"{GetType().Name} lacks [ResourceType]");
        Token = $"mvm:{Info.Module}:{Info.Name}";
    }

    public string Token { get; }
    public ResourceTypeAttribute Info { get; }
    [DynamicallyAccessedMembers(ModelMembers.Kept)] public Type ArgsType => typeof(TArgs);
    [DynamicallyAccessedMembers(ModelMembers.Kept)] public Type StateType => typeof(TState);

    /// <summary>The real object's identity is a user-visible name, so a replacement must delete first.</summary>
    protected virtual bool DeleteBeforeReplace => false;

    // ---- typed hooks ------------------------------------------------------------------------

    /// <summary>Fills inputs that depend on context (e.g. a name defaulting to the resource name).</summary>
    protected virtual ObjectProperty FillDefaults(ObjectProperty news, string resourceName) => news;

    /// <summary>Validates decoded inputs offline; unknown (preview) values arrive as null.</summary>
    protected virtual void Validate(TArgs args, CheckContext ctx) { }

    /// <summary>Validates a change against the recorded inputs (e.g. a disk may grow, never shrink).</summary>
    protected virtual void ValidateChange(TArgs olds, TArgs news, CheckContext ctx) { }

    /// <summary>Adjusts the generic per-path diff (e.g. to mark what a plan must do).</summary>
    protected virtual void CustomizeDiff(TArgs? olds, TArgs news, DiffResult diff) { }

    /// <summary>
    /// Adds changes that the recorded outputs call for although the inputs did not change: drift
    /// that refresh found in what the provider maintains beyond the inputs (e.g. a host missing
    /// an object that should be on every host), so the next update repairs it.
    /// </summary>
    protected virtual void DiffOutputs(TState olds, TArgs news, DiffResult diff) { }

    protected abstract Task<(string Id, TState State)> CreateAsync(TArgs args, OperationContext ctx);

    /// <summary>Reads the real object; null when it is gone. `state` is null on import.</summary>
    protected abstract Task<TState?> ReadAsync(string id, TState? state, OperationContext ctx);

    protected abstract Task<TState> UpdateAsync(string id, TState olds, TArgs news, DiffResult diff,
        OperationContext ctx);

    protected abstract Task DeleteAsync(string id, TState state, OperationContext ctx);

    /// <summary>The steps an up would take, in words, for preview; unknown (preview) inputs arrive as null.</summary>
    protected virtual IReadOnlyList<string> Plan(TState? olds, TArgs news) => [];

    /// <summary>
    /// The inputs that reproduce a read object. <paramref name="declared"/> is what the program
    /// declared (refresh) or null (import, where only the id is known).
    /// </summary>
    protected virtual TArgs InputsOf(TState state, TArgs? declared) => InputsOf(state);

    /// <summary>The inputs that reproduce a read object (import and refresh).</summary>
    protected virtual TArgs InputsOf(TState state)
    {
        var args = new TArgs();
        foreach (var p in ObjectModel.Of(typeof(TArgs)).Inputs) p.Info.SetValue(args, p.Info.GetValue(state));
        return args;
    }

    // ---- wire plumbing ----------------------------------------------------------------------

    public (ObjectProperty Inputs, IReadOnlyList<CheckFailureInfo> Failures) Check(string name, ObjectProperty olds,
        ObjectProperty news)
    {
        var filled = FillDefaults(InputNormalizer.Normalize(typeof(TArgs), news), name);
        var report = new MappingReport();
        var args = PropertyMapper.Decode<TArgs>(filled, report);
        var ctx = new CheckContext(name, report);
        Validate(args, ctx);
        if (!olds.Fields.IsEmpty)
            ValidateChange(PropertyMapper.Decode<TArgs>(olds, new MappingReport(), PropertyMapper.Stored), args, ctx);
        var failures = report.Failures.DistinctBy(f => (f.Property, f.Reason)).ToList();
        return (filled, failures);
    }

    public DiffResult Diff(string name, string id, ObjectProperty oldInputs, ObjectProperty oldOutputs,
        ObjectProperty news)
    {
        var diff = DiffEngine.Compare(typeof(TArgs), oldInputs, news);
        var oldArgs = PropertyMapper.Decode<TArgs>(oldInputs, new MappingReport(), PropertyMapper.Stored);
        var newArgs = PropertyMapper.Decode<TArgs>(news, new MappingReport(), PropertyMapper.Stored);
        CustomizeDiff(oldArgs, newArgs, diff);
        if (!oldOutputs.Fields.IsEmpty)
            DiffOutputs(PropertyMapper.Decode<TState>(oldOutputs, new MappingReport(), PropertyMapper.Stored), newArgs,
                diff);
        diff.IdentityIsFixed = DeleteBeforeReplace;
        return diff;
    }

    public ObjectProperty PreviewCreate(ObjectProperty news)
    {
        var result = news;
        foreach (var p in ObjectModel.Of(typeof(TState)).Properties.Where(p => !p.IsInput))
            result = result.With(p.WireName, PropertyValue.Computed);
        return result;
    }

    public IReadOnlyList<string> PlanSteps(ObjectProperty? olds, ObjectProperty news)
    {
        var old = olds is null ? default
            : PropertyMapper.Decode<TState>(olds, new MappingReport(), PropertyMapper.Stored);
        return Plan(old, PropertyMapper.Decode<TArgs>(news, new MappingReport(), PropertyMapper.Stored));
    }

    public ObjectProperty PreviewUpdate(ObjectProperty olds, ObjectProperty news)
    {
        var result = news;
        foreach (var p in ObjectModel.Of(typeof(TState)).Properties.Where(p => !p.IsInput))
        {
            var old = olds[p.WireName];
            result = result.With(p.WireName, p.Output!.Stable && old is not null ? old : PropertyValue.Computed);
        }
        return result;
    }

    public async Task<(string Id, ObjectProperty Outputs)> CreateAsync(ObjectProperty news, OperationContext ctx)
    {
        var args = PropertyMapper.Decode<TArgs>(news, new MappingReport(), PropertyMapper.Stored);
        try
        {
            var (id, state) = await CreateAsync(args, ctx).ConfigureAwait(false);
            return (id, Outputs(state, news));
        }
        catch (ResourceInitFailedException e) when (e.State is TState partial)
        {
            throw new ResourceInitFailedException(e.Id, Outputs(partial, news), e.Reasons);
        }
    }

    public async Task<(ObjectProperty Outputs, ObjectProperty Inputs)?> ReadAsync(string id, ObjectProperty? state,
        ObjectProperty? inputs, OperationContext ctx)
    {
        var old = state is null
            || state.Fields.IsEmpty ? null
            : PropertyMapper.Decode<TState>(state, new MappingReport(), PropertyMapper.Stored);
        var read = await ReadAsync(id, old, ctx).ConfigureAwait(false);
        if (read is null) return null;
        var declared = inputs is null
            || inputs.Fields.IsEmpty ? null
            : PropertyMapper.Decode<TArgs>(inputs, new MappingReport(), PropertyMapper.Stored);
        var readInputs = PropertyMapper.Encode(InputsOf(read, declared), inputsOnly: true);
        if (inputs is not null) readInputs = InputNormalizer.CarrySecretness(readInputs, inputs);
        return (Outputs(read, inputs ?? ObjectProperty.Empty), readInputs);
    }

    public async Task<ObjectProperty> UpdateAsync(string id, ObjectProperty olds, ObjectProperty oldInputs,
        ObjectProperty news, DiffResult diff, OperationContext ctx)
    {
        var oldState = PropertyMapper.Decode<TState>(olds, new MappingReport(), PropertyMapper.Stored);
        var args = PropertyMapper.Decode<TArgs>(news, new MappingReport(), PropertyMapper.Stored);
        try
        {
            return Outputs(await UpdateAsync(id, oldState, args, diff, ctx).ConfigureAwait(false), news);
        }
        catch (ResourceInitFailedException e) when (e.State is TState partial)
        {
            throw new ResourceInitFailedException(id, Outputs(partial, news), e.Reasons);
        }
    }

    public Task DeleteAsync(string id, ObjectProperty olds, OperationContext ctx) =>
        DeleteAsync(id, PropertyMapper.Decode<TState>(olds, new MappingReport(), PropertyMapper.Stored), ctx);

    private static ObjectProperty Outputs(TState state, ObjectProperty inputs) =>
        InputNormalizer.CarrySecretness(PropertyMapper.Encode(state), inputs);
}
