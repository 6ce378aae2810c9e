using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// `pulumi import TYPE NAME ID`: Read(id) with no properties or inputs — it must return both — then
/// Check(olds = read inputs, news = read inputs), whose failures are only warnings; the resource is stored
/// (protected, as `pulumi import` does by default) and a YAML snippet to paste into the program is printed.
/// </summary>
internal sealed class ImportRun(RunContext ctx, StackState old, ProviderRegistry registry, ProgramModel? program)
{
    private StackState _state = old.Clone();

    public bool Protect { get; init; } = true;

    public StackState Assemble() => _state;

    public async Task RunAsync(string type, string name, string id)
    {
        var watch = Stopwatch.StartNew();
        var providerUrn = registry.DefaultProviderUrn;
        var instance = await registry.LaunchAsync(providerUrn, "default").ConfigureAwait(false);
        var schema = await ProviderRegistry.SchemaAsync(instance).ConfigureAwait(false);
        string token;
        try
        {
            token = TypeTokens.Resolve(type, schema?.ResourceTokens);
        }
        catch (FormatException e)
        {
            throw new DeploymentException(e.Message, e);
        }
        var urn = ctx.Urn(token, name);
        if (_state.Find(urn) is not null)
            throw new DeploymentException($"resource '{urn}' already exists in the stack; pick another name or remove it first");

        // Default provider: config from the program's stack config when there is a program, else from state.
        var oldProvider = _state.Find(providerUrn);
        var news = program is not null
            ? ProviderRegistry.DefaultProviderInputs(program.PackageConfig(ctx.Package))
            : oldProvider?.Inputs ?? new Struct();
        instance.Id = oldProvider?.Id ?? (ctx.Preview ? Unknowns.String : Guid.NewGuid().ToString());
        var configured = await registry.ConfigureAsync(instance, news, oldProvider).ConfigureAwait(false);
        if (oldProvider is null)
        {
            _state.Resources.Insert(0, new ResourceState { Urn = providerUrn, Type = ctx.ProviderType, Name = "default", Id = instance.Id, Inputs = configured.Inputs, Outputs = configured.Inputs });
        }
        else
        {
            oldProvider.Inputs = configured.Inputs;
            oldProvider.Outputs = configured.Inputs;
        }

        var step = new StepRecord { Op = StepOp.Import, Urn = urn, Name = name, Type = token, Id = id };
        ctx.AddStep(step);
        Protocol.Wire.ReadResponse read;
        try
        {
            read = await instance.ReadAsync(urn, name, token, id, null, null, 0).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            step.Status = StepStatus.Failed;
            step.Error = e.StatusMessage;
            ctx.Report(step);
            throw new DeploymentException($"{urn}: import failed: {e.StatusMessage}", e);
        }
        string? problem = read.Properties is null ? $"resource '{id}' does not exist"
            : read.Inputs is null ? "provider does not support importing resources (Read returned no inputs)"
            : null;
        if (problem is not null)
        {
            step.Status = StepStatus.Failed;
            step.Error = problem;
            ctx.Report(step);
            throw new DeploymentException($"{urn}: {problem}");
        }

        var (inputs, failures) = await instance.CheckAsync(urn, name, token, read.Inputs!, read.Inputs!).ConfigureAwait(false);
        var warnings = failures.Select(f => (f.Property.Length > 0 ? f.Property + ": " : "") + f.Reason).ToList();
        foreach (var w in warnings)
            ctx.Diagnose(DiagnosticSeverity.Warning, w, urn);
        if (failures.Count > 0)
            inputs = read.Inputs!;

        var resource = new ResourceState
        {
            Urn = urn,
            Type = token,
            Name = name,
            Id = string.IsNullOrEmpty(read.Id) ? id : read.Id,
            Inputs = inputs,
            Outputs = read.Properties!,
            Provider = instance.Reference,
            Protect = Protect,
        };
        _state.Resources.Add(resource);
        _state.Updated = DateTimeOffset.UtcNow;
        step.Id = resource.Id;
        step.Inputs = inputs;
        step.Outputs = read.Properties;
        step.Warnings = warnings;
        step.Status = ctx.Preview ? StepStatus.Planned : StepStatus.Succeeded;
        step.Duration = watch.Elapsed;
        ctx.Report(step);
        PrintCode(resource);
    }

    /// <summary>Like `pulumi import`, print the program code matching what was imported.</summary>
    private void PrintCode(ResourceState resource)
    {
        ctx.Reporter.Line();
        ctx.Reporter.Line("Please copy the following code into your Pulumi application. Not doing so will cause Pulumi to try to delete the imported resources on the next update.");
        ctx.Reporter.Line("resources:");
        ctx.Reporter.Line($"  {resource.Name}:");
        ctx.Reporter.Line($"    type: {resource.Type}");
        if (resource.Inputs.Fields.Count > 0)
        {
            ctx.Reporter.Line("    properties:");
            foreach (var (key, value) in resource.Inputs.Fields)
                ctx.Reporter.Line($"      {key}: {Yaml(value)}");
        }
        if (resource.Protect)
        {
            ctx.Reporter.Line("    options:");
            ctx.Reporter.Line("      protect: true");
        }
        ctx.Reporter.Line();
    }

    private static string Yaml(Value value)
    {
        if (PropertyValues.IsSecret(value))
            return "{ fn::secret: \"<secret: set it from config>\" }";
        return PropertyValues.ToJson(value);
    }
}
