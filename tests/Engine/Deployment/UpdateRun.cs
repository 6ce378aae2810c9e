using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// `preview` and `up`: the engine's step generation and execution (doc §2.4, §5) for a Pulumi YAML program.
/// Resources run one at a time in dependency order (the real engine runs independent steps in parallel; the
/// calls each resource gets, and their order relative to its dependencies, are the same).
/// </summary>
internal sealed partial class UpdateRun
{
    private readonly RunContext _ctx;
    private readonly ProgramModel _program;
    private readonly StackState _old;
    private readonly ProviderRegistry _registry;
    private readonly Evaluator _eval;
    private readonly string _statePath;

    /// <summary>New state entries in the order they were produced (dependencies first).</summary>
    private readonly List<ResourceState> _new = [];

    /// <summary>Old entries accounted for (kept, replaced, deleted); the rest are carried over as they were.</summary>
    private readonly HashSet<ResourceState> _handled = new(ReferenceEqualityComparer.Instance);

    /// <summary>Old copies awaiting Delete at the end (create-before-delete replacements).</summary>
    private readonly List<ResourceState> _pendingDeletes = [];

    /// <summary>Resources deleted early in this run as dependents of a delete-before-replace; recreated when reached.</summary>
    private readonly Dictionary<string, ResourceState> _deletedForReplacement = new(StringComparer.Ordinal);

    private readonly Dictionary<string, ProviderInstance> _explicitProviders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private ProviderInstance? _defaultProvider;
    private ProviderInstance? _schemaInstance;
    private SchemaInfo? _schema;
    private Struct _outputs = new();

    public UpdateRun(RunContext ctx, ProgramModel program, StackState old, ProviderRegistry registry, string statePath)
    {
        _ctx = ctx;
        _program = program;
        _old = old;
        _registry = registry;
        _statePath = statePath;
        _eval = new Evaluator(program) { Invoke = InvokeAsync };
    }

    private bool Preview => _ctx.Preview;

    public Struct Outputs => _outputs;

    public async Task RunAsync()
    {
        try
        {
            _eval.ResolveConfig();
        }
        catch (ProgramException e)
        {
            throw new DeploymentException(e.Message, e);
        }
        await ResolveTypesAsync().ConfigureAwait(false);

        // Leftover create-before-delete originals from an earlier failed run go first, as in the engine.
        foreach (var pending in _old.Resources.Where(r => r.PendingDelete).Reverse().ToList())
            await DeleteAsync(pending, StepOp.DeleteReplaced, replacement: true).ConfigureAwait(false);

        foreach (var node in _program.Graph.Order)
        {
            _ctx.ThrowIfCanceled();
            var decl = _program.Resource(node);
            if (decl is null)
            {
                var variable = _program.Variables.First(v => v.Name == node);
                _eval.Variables[node] = await EvaluateAsync(() => _eval.EvaluateAsync(variable.Value)).ConfigureAwait(false);
            }
            else if (decl.IsProvider)
            {
                var news = await EvaluateAsync(() => _eval.EvaluateObjectAsync(decl.Properties)).ConfigureAwait(false);
                _explicitProviders[decl.Name] = await ProviderResourceAsync(decl.Name, news, decl).ConfigureAwait(false);
            }
            else
            {
                await ResourceAsync(decl).ConfigureAwait(false);
            }
        }

        var outputs = new Struct();
        foreach (var o in _program.Outputs)
            outputs.Fields[o.Name] = await EvaluateAsync(() => _eval.EvaluateAsync(o.Value)).ConfigureAwait(false);
        _outputs = outputs;

        await DeleteRemovedAsync().ConfigureAwait(false);
        Checkpoint();
    }

    private static async Task<T> EvaluateAsync<T>(Func<Task<T>> evaluate)
    {
        try
        {
            return await evaluate().ConfigureAwait(false);
        }
        catch (ProgramException e)
        {
            throw new DeploymentException(e.Message, e);
        }
    }

    /// <summary>Resolves every resource's type token against the provider schema (fetched from a plugin instance).</summary>
    private async Task ResolveTypesAsync()
    {
        var custom = _program.Resources.Where(r => !r.IsProvider).ToList();
        foreach (var p in _program.Resources.Where(r => r.IsProvider))
        {
            if (p.Type != _ctx.ProviderType)
                throw new DeploymentException($"{p.Location}: provider resource '{p.Name}' has type {p.Type}; this harness only runs {_ctx.ProviderType}");
            _types[p.Name] = p.Type;
        }
        if (custom.Count == 0)
            return;
        var foreign = custom.Where(r => TypeTokens.PackageOf(r.Type) != _ctx.Package).ToList();
        if (foreign.Count > 0)
            throw new DeploymentException(string.Join("\n", foreign.Select(r => $"{r.Location}: resource '{r.Name}' has type {r.Type}; this harness only runs the {_ctx.Package} package")));

        _schemaInstance = await _registry.LaunchAsync(_registry.DefaultProviderUrn, "default").ConfigureAwait(false);
        _schema = await ProviderRegistry.SchemaAsync(_schemaInstance).ConfigureAwait(false);
        var errors = new List<string>();
        foreach (var r in custom)
        {
            try
            {
                _types[r.Name] = TypeTokens.Resolve(r.Type, _schema?.ResourceTokens);
            }
            catch (FormatException e)
            {
                errors.Add($"{r.Location}: {e.Message}");
            }
        }
        if (errors.Count > 0)
            throw new DeploymentException(string.Join("\n", errors));
    }

    private string UrnOf(string name) => _ctx.Urn(_types[name], name);

    /// <summary>The default provider: configured from stack config the first time a resource needs it.</summary>
    private async Task<ProviderInstance> DefaultProviderAsync()
    {
        if (_defaultProvider is not null)
            return _defaultProvider;
        var news = ProviderRegistry.DefaultProviderInputs(_program.PackageConfig(_ctx.Package));
        _defaultProvider = await ProviderResourceAsync("default", news, null).ConfigureAwait(false);
        return _defaultProvider;
    }

    /// <summary>A provider resource (default or explicit): launch, CheckConfig/DiffConfig/Configure, and its state entry.</summary>
    private async Task<ProviderInstance> ProviderResourceAsync(string name, Struct news, ResourceDeclaration? decl)
    {
        var urn = _ctx.Urn(_ctx.ProviderType, name);
        var old = _old.Find(urn);
        var watch = Stopwatch.StartNew();
        ProviderInstance instance;
        if (name == "default" && _schemaInstance is not null)
        {
            instance = _schemaInstance;
            _schemaInstance = null;
        }
        else
        {
            instance = await _registry.LaunchAsync(urn, name).ConfigureAwait(false);
        }
        // A new provider gets a fresh UUID (unknown in preview); the id must be known before Configure sends it.
        instance.Id = old?.Id ?? NewProviderId();
        var outcome = await _registry.ConfigureAsync(instance, news, old).ConfigureAwait(false);
        var op = StepOp.Create;
        if (old is not null)
        {
            _handled.Add(old);
            op = outcome.Diff switch
            {
                { Replace: true } => StepOp.CreateReplacement,
                { HasChanges: true } => StepOp.Update,
                _ => StepOp.Same,
            };
            if (op == StepOp.CreateReplacement)
                instance.Id = NewProviderId();
        }
        var state = new ResourceState
        {
            Urn = urn,
            Type = _ctx.ProviderType,
            Name = name,
            Id = instance.Id,
            Inputs = outcome.Inputs,
            Outputs = outcome.Inputs,
            Protect = decl?.Options.Protect ?? false,
        };
        _new.Add(state);
        var step = new StepRecord
        {
            Op = op,
            Urn = urn,
            Name = name,
            Type = _ctx.ProviderType,
            Id = instance.Id,
            OldInputs = old?.Inputs,
            OldOutputs = old?.Outputs,
            Inputs = outcome.Inputs,
            Outputs = outcome.Inputs,
            Diff = outcome.DiffResponse,
            Changes = outcome.Diff?.Changes ?? [],
            ReplaceKeys = outcome.Diff?.ReplaceKeys ?? [],
            IsReplacement = op == StepOp.CreateReplacement,
            Status = Preview ? StepStatus.Planned : StepStatus.Succeeded,
            Duration = watch.Elapsed,
        };
        Finish(step);
        _eval.Resources[name] = new EvaluatedResource
        {
            Name = name,
            Urn = urn,
            Id = Value.ForString(instance.Id),
            Outputs = outcome.Inputs,
            ProviderReference = instance.Reference,
        };
        return instance;
    }

    private string NewProviderId() => Preview ? Unknowns.String : Guid.NewGuid().ToString();

    private void Finish(StepRecord step)
    {
        _ctx.AddStep(step);
        _ctx.Report(step);
        Checkpoint();
    }

    /// <summary>Saves the state after each step in a real update, so a crash or failure loses nothing done.</summary>
    private void Checkpoint()
    {
        if (!Preview)
            AssembleState().Save(_statePath, _ctx.Options.SecretsPassphrase);
    }

    /// <summary>New entries, then old ones not yet accounted for (unprocessed after a failure), in their old order.</summary>
    public StackState AssembleState()
    {
        var resources = new List<ResourceState>(_new);
        resources.AddRange(_old.Resources.Where(r => !_handled.Contains(r)));
        return new StackState
        {
            Stack = _ctx.Stack,
            Project = _ctx.Project,
            Updated = DateTimeOffset.UtcNow,
            Resources = resources,
            Outputs = _outputs,
        };
    }

    private async Task<Struct> InvokeAsync(string token, Struct args)
    {
        var provider = await DefaultProviderAsync().ConfigureAwait(false);
        InvokeResponse response;
        try
        {
            response = await provider.InvokeAsync(token, args).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            throw new DeploymentException($"invoke of {token} failed: {e.StatusMessage}", e);
        }
        if (response.Failures.Count > 0)
        {
            throw new DeploymentException($"invoke of {token} failed: " +
                string.Join("; ", response.Failures.Select(f => (f.Property.Length > 0 ? f.Property + ": " : "") + f.Reason)));
        }
        return response.Return ?? new Struct();
    }
}
