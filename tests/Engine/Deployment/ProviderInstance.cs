using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Plugins;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// One provider plugin as the engine's provider wrapper sees it (provider_plugin.go): the RPCs plus the engine-side
/// rules around them — secrets stripped/re-annotated when the plugin does not accept them, calls skipped while
/// the provider is unconfigured (unknown config in preview) or does not support preview, and the response checks
/// that make a real engine reject a misbehaving provider (empty id, unknowns outside preview, bad signatures).
/// </summary>
public sealed class ProviderInstance
{
    private readonly RunContext _ctx;

    internal ProviderInstance(RunContext ctx, string urn, string name, IPluginHandle plugin, ProviderClient client)
    {
        _ctx = ctx;
        Urn = urn;
        Name = name;
        Plugin = plugin;
        Client = client;
    }

    public string Urn { get; }

    public string Name { get; }

    /// <summary>The provider resource's id (a UUID; the unknown sentinel for a new provider in preview).</summary>
    public string Id { get; internal set; } = "";

    public string Reference => $"{Urn}::{Id}";

    public IPluginHandle Plugin { get; }

    public ProviderClient Client { get; }

    /// <summary>Null when the plugin answered Handshake with UNIMPLEMENTED.</summary>
    public ProviderHandshakeResponse? Handshake { get; internal set; }

    public PluginInfo? Info { get; internal set; }

    public ConfigureResponse? ConfigureResponse { get; internal set; }

    /// <summary>Configure succeeded. False while config has unknowns (preview): the engine then skips provider calls.</summary>
    public bool Configured { get; internal set; }

    public bool AcceptSecrets { get; internal set; }

    public bool SupportsPreview { get; internal set; }

    /// <summary>The checked provider config (secrets wrapped).</summary>
    public Struct Inputs { get; internal set; } = new();

    private Struct Outgoing(Struct? value) => value is null ? new Struct() : AcceptSecrets ? value : PropertyValues.StripSecrets(value);

    private Struct Incoming(Struct? value, Struct sentInputs) => value is null || AcceptSecrets ? value ?? new Struct() : SecretAnnotation.Annotate(value, sentInputs);

    public async Task<(Struct Inputs, IReadOnlyList<CheckFailure> Failures)> CheckAsync(string urn, string name, string type, Struct olds, Struct news)
    {
        if (!Configured)
            return (news, []);
        var request = new CheckRequest
        {
            Urn = urn,
            Name = name,
            Type = type,
            Olds = Outgoing(olds),
            News = Outgoing(news),
            RandomSeed = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
        };
        var response = await CallAsync(ct => Client.CheckAsync(request, ct)).ConfigureAwait(false);
        if (response.Failures.Count > 0)
            return (news, response.Failures);
        // A nil inputs struct means "no changes" to the engine (PropagateNil keeps it nil; it then uses news).
        var inputs = response.Inputs is null ? news : Incoming(response.Inputs, news);
        Validate(inputs, $"Check of {urn}", rejectUnknowns: !_ctx.Preview);
        return (inputs, []);
    }

    public async Task<DiffResponse> DiffAsync(string urn, string name, string type, string id, Struct oldOutputs, Struct oldInputs, Struct news, IReadOnlyList<string> ignoreChanges)
    {
        if (!Configured)
        {
            _ctx.Diagnose(DiagnosticSeverity.Warning, "DiffUnavailable: the provider is not configured (its config has unknown values); assuming changes", urn);
            return new DiffResponse { Changes = DiffResponse.Types.DiffChanges.DiffSome };
        }
        var request = new DiffRequest
        {
            Id = id,
            Urn = urn,
            Name = name,
            Type = type,
            Olds = Outgoing(oldOutputs),
            News = Outgoing(news),
            OldInputs = Outgoing(oldInputs),
        };
        request.IgnoreChanges.AddRange(ignoreChanges);
        var response = await CallAsync(ct => Client.DiffAsync(request, ct)).ConfigureAwait(false);
        if (!System.Enum.IsDefined(response.Changes))
            throw new DeploymentException($"provider returned an invalid DiffResponse.changes value {(int)response.Changes} for {urn}");
        foreach (var (path, diff) in response.DetailedDiff)
        {
            if (!System.Enum.IsDefined(diff.Kind))
                throw new DeploymentException($"provider returned an invalid PropertyDiff.kind {(int)diff.Kind} for {urn} at '{path}'");
        }
        return response;
    }

    /// <summary>Returns (id, outputs). In preview without a usable provider the call is skipped (outputs unknown / = inputs).</summary>
    public async Task<(string Id, Struct? Properties)> CreateAsync(string urn, string name, string type, Struct inputs, double timeout)
    {
        if (_ctx.Preview && !Configured)
            return ("", null); // everything unknown
        if (_ctx.Preview && !SupportsPreview)
            return ("", inputs);
        var request = new CreateRequest { Urn = urn, Name = name, Type = type, Properties = Outgoing(inputs), Timeout = timeout, Preview = _ctx.Preview };
        var response = await CallAsync(ct => Client.CreateAsync(request, ct)).ConfigureAwait(false);
        if (!_ctx.Preview && string.IsNullOrEmpty(response.Id))
            throw new DeploymentException($"plugin returned empty resource.ID from create of {urn}");
        var outputs = response.Properties is null ? null : Incoming(response.Properties, inputs);
        if (outputs is not null)
            Validate(outputs, $"Create of {urn}", rejectUnknowns: !_ctx.Preview);
        return (response.Id, outputs);
    }

    public async Task<Struct?> UpdateAsync(string urn, string name, string type, string id, Struct oldOutputs, Struct oldInputs, Struct news, double timeout, IReadOnlyList<string> ignoreChanges)
    {
        if (_ctx.Preview && !Configured)
            return null;
        if (_ctx.Preview && !SupportsPreview)
            return news;
        var request = new UpdateRequest
        {
            Id = id,
            Urn = urn,
            Name = name,
            Type = type,
            Olds = Outgoing(oldOutputs),
            News = Outgoing(news),
            OldInputs = Outgoing(oldInputs),
            Timeout = timeout,
            Preview = _ctx.Preview,
        };
        request.IgnoreChanges.AddRange(ignoreChanges);
        var response = await CallAsync(ct => Client.UpdateAsync(request, ct)).ConfigureAwait(false);
        var outputs = response.Properties is null ? null : Incoming(response.Properties, news);
        if (outputs is not null)
            Validate(outputs, $"Update of {urn}", rejectUnknowns: !_ctx.Preview);
        return outputs;
    }

    /// <summary>Read for refresh/import. Null properties means "does not exist" to the caller.</summary>
    public async Task<ReadResponse> ReadAsync(string urn, string name, string type, string id, Struct? properties, Struct? inputs, double timeout)
    {
        if (!Configured)
            return new ReadResponse();
        var request = new ReadRequest { Id = id, Urn = urn, Name = name, Type = type, Timeout = timeout };
        if (properties is not null)
            request.Properties = Outgoing(properties);
        if (inputs is not null)
            request.Inputs = Outgoing(inputs);
        var response = await CallAsync(ct => Client.ReadAsync(request, ct)).ConfigureAwait(false);
        if (!AcceptSecrets)
        {
            if (response.Properties is not null)
                response.Properties = Incoming(response.Properties, inputs ?? new Struct());
            if (response.Inputs is not null)
                response.Inputs = Incoming(response.Inputs, inputs ?? new Struct());
        }
        if (response.Properties is not null)
            Validate(response.Properties, $"Read of {urn}", rejectUnknowns: true);
        if (response.Inputs is not null)
            Validate(response.Inputs, $"Read of {urn} (inputs)", rejectUnknowns: true);
        return response;
    }

    public async Task DeleteAsync(string urn, string name, string type, string id, Struct oldOutputs, Struct oldInputs, double timeout)
    {
        var request = new DeleteRequest
        {
            Id = id,
            Urn = urn,
            Name = name,
            Type = type,
            Properties = Outgoing(oldOutputs),
            OldInputs = Outgoing(oldInputs),
            Timeout = timeout,
        };
        await CallAsync(ct => Client.DeleteAsync(request, ct)).ConfigureAwait(false);
    }

    public async Task<InvokeResponse> InvokeAsync(string token, Struct args)
    {
        if (!Configured)
            return new InvokeResponse();
        var request = new InvokeRequest { Tok = token, Args = Outgoing(args), Preview = _ctx.Preview };
        var response = await CallAsync(ct => Client.InvokeAsync(request, ct)).ConfigureAwait(false);
        if (response.Return is not null)
        {
            response.Return = Incoming(response.Return, args);
            Validate(response.Return, $"Invoke of {token}", rejectUnknowns: !_ctx.Preview);
        }
        return response;
    }

    internal async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call)
    {
        using var cts = _ctx.RpcTokenSource();
        try
        {
            return await call(cts.Token).ConfigureAwait(false);
        }
        catch (RpcFailure failure) when (failure.Code == GrpcStatusCode.Unavailable && Plugin.HasExited)
        {
            // The engine dumps a dead plugin's output ("Detected that ... exited prematurely").
            throw new RpcFailure(failure.Code,
                $"{failure.StatusMessage}; the plugin exited prematurely (exit code {Plugin.ExitCode}).\nstderr:\n{Plugin.Stderr}\nstdout:\n{Plugin.Stdout}",
                failure.Details, failure.Method);
        }
    }

    /// <summary>The engine's unmarshal checks on provider output: known signatures only, and no unknowns where they are rejected.</summary>
    private static void Validate(Struct value, string what, bool rejectUnknowns)
    {
        foreach (var (key, v) in value.Fields)
        {
            if (PropertyValues.Any(v, x => Signatures.Of(x) is { } sig && !Signatures.All.Contains(sig)))
                throw new DeploymentException($"{what}: unrecognized signature in property '{key}'");
            if (rejectUnknowns && PropertyValues.ContainsUnknowns(v))
                throw new DeploymentException($"{what}: unexpected unknown property value in '{key}' (unknowns are only allowed in preview)");
        }
    }
}
