using Grpc.Core;
using Mvm.Framework.Config;
using Mvm.Core;
using Mvm.Protocol;
using Mvm.Protocol.Wire;

namespace Mvm.Framework;

/// <summary>
/// The provider as the engine sees it: configuration, then Check/Diff/CRUD dispatched by type
/// token to typed resources. Holds no per-stack state beyond the configuration, since the engine
/// may run several plugin processes and calls concurrently.
/// </summary>
public sealed class MvmProvider : IResourceProviderHandler
{
    private readonly ResourceRegistry _registry;
    private readonly EngineLog _log;
    private readonly Func<string, string?> _env;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lazy<string> _schema;
    private readonly SecretScrubber _secrets = new();
    private volatile ProviderConfig _config;
    // One transport per process: every operation reuses the hosts' ControlMaster connections.
    private readonly Lazy<Transport.SshTransport> _transport;
    private readonly HostConnectorDecorator? _decorateHosts;

    /// <param name="decorateHosts">
    /// Wraps each operation's host connector; none in production (see HostConnectorDecorator).
    /// </param>
    public MvmProvider(ResourceRegistry registry, EngineLog log, string version, Func<string, string?> env,
        HostConnectorDecorator? decorateHosts = null)
    {
        _registry = registry;
        _decorateHosts = decorateHosts;
        _log = log;
        _env = env;
        Version = version;
        _config = ConfigLoader.Defaults(env);
        _schema = new Lazy<string>(() => SchemaGenerator.Generate(registry, version));
        _transport = new Lazy<Transport.SshTransport>(() => new Transport.SshTransport(_secrets));
    }

    public string Version { get; }

    public ProviderHandshakeResponse Handshake(ProviderHandshakeRequest request)
    {
        if (!string.IsNullOrEmpty(request.EngineAddress)) _log.Address = request.EngineAddress;
        return new ProviderHandshakeResponse { AcceptSecrets = true, AcceptResources = false, AcceptOutputs = false };
    }

    public void Attach(string engineAddress) => _log.Address = engineAddress;

    public string GetSchema(GetSchemaRequest request) => _schema.Value;

    // ---- configuration ---------------------------------------------------------------------

    public Task<CheckResponse> CheckConfigAsync(CheckRequest request, CancellationToken ct)
    {
        var news = PropertyValueCodec.Decode(request.News);
        var (_, failures) = ConfigLoader.Load(news, _env);
        var response = new CheckResponse { Inputs = request.News ?? new Google.Protobuf.WellKnownTypes.Struct() };
        response.Failures.AddRange(failures.Select(f => new CheckFailure { Property = f.Property, Reason = f.Reason }));
        return Task.FromResult(response);
    }

    public Task<DiffResponse> DiffConfigAsync(DiffRequest request, CancellationToken ct)
    {
        var olds = PropertyValueCodec.Decode(request.OldInputs ?? request.Olds).Without("version");
        var news = PropertyValueCodec.Decode(request.News).Without("version");
        var diff = DiffEngine.Compare(typeof(ProviderConfig), olds, news);
        diff.DropIgnored(request.IgnoreChanges);
        // Connection settings change how hosts are reached, never what exists: no replacement.
        return Task.FromResult(ToResponse(diff));
    }

    public Task<ConfigureResponse> ConfigureAsync(ConfigureRequest request, CancellationToken ct)
    {
        var values = request.Args is not null
            ? PropertyValueCodec.Decode(request.Args)
            : (ObjectProperty)PropertyValue.Of(request.Variables.Select(kv =>
                KeyValuePair.Create(kv.Key[(kv.Key.LastIndexOf(':') + 1)..], PropertyValue.Of(kv.Value))));
        var (config, failures) = ConfigLoader.Load(values, _env);
        _secrets.AddRange(values.SecretStrings());
        _secrets.Add(config.SshPrivateKey);
        _secrets.Add(config.SshPassword);
        _secrets.Add(config.ImportConnectString);
        foreach (var hop in config.JumpHosts ?? []) _secrets.Add(hop?.PrivateKey);
        if (failures.Count > 0)
            throw RpcErrors.Of(StatusCode.InvalidArgument, _secrets.Scrub(
                "invalid provider configuration:\n" +
                string.Join("\n", failures.Select(f => $"  mvm:{f.Property}: {f.Reason}"))));
        if (ConfigLoader.LacksCredentials(config, _env))
        {
            var missing = new ConfigureErrorMissingKeys();
            missing.MissingKeys.Add(new MissingKey
            {
                Name = "sshPrivateKey",
                Description = "the private key used to log in to the hosts (or set mvm:sshPrivateKeyFile or " +
                    "mvm:sshPassword, or run an ssh-agent); " +
                    "e.g. `pulumi config set --secret mvm:sshPrivateKey < ~/.ssh/id_ed25519`",
            });
            throw RpcErrors.Of(StatusCode.InvalidArgument,
                "missing required configuration key mvm:sshPrivateKey: no way to log in to hosts is configured",
                missing);
        }
        _config = config;
        return Task.FromResult(
            new ConfigureResponse { AcceptSecrets = true, SupportsPreview = true, AcceptResources = false });
    }

    // ---- resources -------------------------------------------------------------------------

    public Task<CheckResponse> CheckAsync(CheckRequest request, CancellationToken ct)
    {
        var resource = Lookup(request.Type, request.Urn);
        var (inputs, failures) = resource.Check(NameOf(request.Name, request.Urn),
            PropertyValueCodec.Decode(request.Olds), PropertyValueCodec.Decode(request.News));
        var response = new CheckResponse { Inputs = PropertyValueCodec.Encode(inputs) };
        response.Failures.AddRange(failures.Select(f => new CheckFailure { Property = f.Property, Reason = f.Reason }));
        return Task.FromResult(response);
    }

    public Task<DiffResponse> DiffAsync(DiffRequest request, CancellationToken ct)
    {
        var resource = Lookup(request.Type, request.Urn);
        var olds = PropertyValueCodec.Decode(request.Olds);
        var oldInputs = request.OldInputs is null
            ? ProjectInputs(resource, olds)
            : PropertyValueCodec.Decode(request.OldInputs);
        var diff = resource.Diff(NameOf(request.Name, request.Urn), request.Id, oldInputs, olds,
            PropertyValueCodec.Decode(request.News));
        diff.DropIgnored(request.IgnoreChanges);
        return Task.FromResult(ToResponse(diff));
    }

    public async Task<CreateResponse> CreateAsync(CreateRequest request, CancellationToken ct)
    {
        var resource = Lookup(request.Type, request.Urn);
        var news = PropertyValueCodec.Decode(request.Properties);
        if (request.Preview)
        {
            await LogPlanAsync(resource, null, news, request.Urn).ConfigureAwait(false);
            return new CreateResponse { Properties = PropertyValueCodec.Encode(resource.PreviewCreate(news)) };
        }
        var (id, outputs) = await RunAsync("create", request.Type, request.Name, request.Urn, request.Timeout,
            _config.CreateTimeout, news, ct, ctx => resource.CreateAsync(news, ctx)).ConfigureAwait(false);
        return new CreateResponse { Id = id, Properties = PropertyValueCodec.Encode(outputs) };
    }

    // Preview shows the plan as info lines under the resource; a plan that cannot be worked out
    // offline is left to the detailed diff.
    private async Task LogPlanAsync(IResource resource, ObjectProperty? olds, ObjectProperty news, string urn)
    {
        IReadOnlyList<string> steps;
        try
        {
            steps = resource.PlanSteps(olds, news);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await _log.DebugAsync(_secrets.Scrub($"no step plan: {e.Message}"), urn).ConfigureAwait(false);
            return;
        }
        foreach (var step in steps) await _log.InfoAsync(_secrets.Scrub("plan: " + step), urn).ConfigureAwait(false);
    }

    public async Task<ReadResponse> ReadAsync(ReadRequest request, CancellationToken ct)
    {
        var resource = Lookup(request.Type, request.Urn);
        var state = request.Properties is null ? null : PropertyValueCodec.Decode(request.Properties);
        var inputs = request.Inputs is null ? null : PropertyValueCodec.Decode(request.Inputs);
        var result = await RunAsync("read", request.Type, request.Name, request.Urn, request.Timeout,
            _config.ReadTimeout, state ?? ObjectProperty.Empty, ct,
            ctx => resource.ReadAsync(request.Id, state, inputs, ctx)).ConfigureAwait(false);
        if (result is null) return new ReadResponse { Id = "" }; // gone: the engine drops it from state
        return new ReadResponse
        {
            Id = request.Id,
            Properties = PropertyValueCodec.Encode(result.Value.Outputs),
            Inputs = PropertyValueCodec.Encode(result.Value.Inputs),
        };
    }

    public async Task<UpdateResponse> UpdateAsync(UpdateRequest request, CancellationToken ct)
    {
        var resource = Lookup(request.Type, request.Urn);
        var olds = PropertyValueCodec.Decode(request.Olds);
        var news = PropertyValueCodec.Decode(request.News);
        if (request.Preview)
        {
            await LogPlanAsync(resource, olds, news, request.Urn).ConfigureAwait(false);
            return new UpdateResponse { Properties = PropertyValueCodec.Encode(resource.PreviewUpdate(olds, news)) };
        }
        var oldInputs = request.OldInputs is null
            ? ProjectInputs(resource, olds)
            : PropertyValueCodec.Decode(request.OldInputs);
        var diff = resource.Diff(request.Name, request.Id, oldInputs, olds, news);
        diff.DropIgnored(request.IgnoreChanges);
        var outputs = await RunAsync("update", request.Type, request.Name, request.Urn, request.Timeout,
            _config.UpdateTimeout, news, ct, ctx => resource.UpdateAsync(request.Id, olds, oldInputs, news, diff, ctx),
            request.Id, olds).ConfigureAwait(false);
        return new UpdateResponse { Properties = PropertyValueCodec.Encode(outputs) };
    }

    public async Task DeleteAsync(DeleteRequest request, CancellationToken ct)
    {
        var resource = Lookup(request.Type, request.Urn);
        var olds = PropertyValueCodec.Decode(request.Properties);
        await RunAsync("delete", request.Type, request.Name, request.Urn, request.Timeout, _config.DeleteTimeout, olds,
            ct, async ctx =>
            {
                await resource.DeleteAsync(request.Id, olds, ctx).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
    }

    public Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken ct) =>
        throw RpcErrors.Of(StatusCode.InvalidArgument,
            $"unknown function '{request.Tok}': the mvm provider declares no functions " +
            "(see the schema's \"functions\")");

    public void Cancel() => _shutdown.Cancel();

    // ---- helpers ---------------------------------------------------------------------------

    private IResource Lookup(string type, string urn)
    {
        if (string.IsNullOrEmpty(type)) type = TypeFromUrn(urn);
        if (_registry.TryGet(type, out var resource)) return resource;
        throw RpcErrors.Of(StatusCode.InvalidArgument,
            $"unknown resource type '{type}'; this provider has: " +
            $"{string.Join(", ", _registry.All.Select(r => r.Token))}");
    }

    private static string TypeFromUrn(string urn)
    {
        var parts = urn.Split("::");
        return parts.Length >= 4 ? parts[^2].Split('$')[^1] : "";
    }

    private static string NameOf(string name, string urn) =>
        !string.IsNullOrEmpty(name) ? name : urn.Split("::") is { Length: >= 4 } parts ? parts[^1] : "";

    private static ObjectProperty ProjectInputs(IResource resource, ObjectProperty outputs)
    {
        var inputNames = ObjectModel.Of(resource.ArgsType).Inputs.Select(p => p.WireName)
            .ToHashSet(StringComparer.Ordinal);
        return (ObjectProperty)PropertyValue.Of(outputs.Fields.Where(kv => inputNames.Contains(kv.Key)));
    }

    private static DiffResponse ToResponse(DiffResult diff)
    {
        var response = new DiffResponse
        {
            Changes = diff.HasChanges
                ? DiffResponse.Types.DiffChanges.DiffSome
                : DiffResponse.Types.DiffChanges.DiffNone,
            HasDetailedDiff = true,
            DeleteBeforeReplace = diff.DeleteBeforeReplace,
        };
        response.Diffs.AddRange(diff.ChangedRoots);
        response.Replaces.AddRange(diff.ReplacedRoots);
        foreach (var (path, kind) in diff.Entries)
            response.DetailedDiff[path] =
                new PropertyDiff { Kind = (PropertyDiff.Types.Kind)(int)kind, InputDiff = true };
        return response;
    }

    /// <summary>
    /// Runs one engine operation with the timeout (engine's customTimeouts, else the configured
    /// default) and the engine's Cancel, and turns every failure into a status naming the
    /// resource, operation, step and host, with secrets scrubbed.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, string type, string name, string urn, double timeoutSeconds,
        string? defaultTimeout, ObjectProperty properties, CancellationToken requestCt,
        Func<OperationContext, Task<T>> work, string? id = null, ObjectProperty? olds = null)
    {
        TimeSpan? timeout = timeoutSeconds > 0 ? TimeSpan.FromSeconds(timeoutSeconds)
            : Durations.TryParse(defaultTimeout, out var d) && d > TimeSpan.Zero ? d : null;
        using var timeoutCts = new CancellationTokenSource();
        using var linked =
            CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, requestCt, timeoutCts.Token);
        if (timeout is { } t) timeoutCts.CancelAfter(t);
        var secrets = _secrets.Fork();
        secrets.AddRange(properties.SecretStrings());
        if (olds is not null) secrets.AddRange(olds.SecretStrings());
        var config = _config;
        Transport.IHostConnector hosts = new Transport.SshHostConnector(_transport.Value, config.ToSshDefaults());
        if (_decorateHosts is not null) hosts = _decorateHosts(hosts, operation, type);
        var ctx = new OperationContext(operation, type, name, urn, false, config, _log, secrets, linked.Token,
            timeout, hosts);
        var what = $"{operation} of {type} '{name}'";

        string Where()
        {
            var step = ctx.InterruptedStep ?? ctx.CurrentStep;
            return step is null
                ? ""
                : $" during step '{step.Value.Step}'" + (step.Value.Host is null ? "" : $" on host {step.Value.Host}");
        }

        try
        {
            if (_shutdown.IsCancellationRequested)
                throw RpcErrors.Of(StatusCode.Cancelled,
                    $"{what} was not started: the engine cancelled this provider");
            return await work(ctx).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested)
        {
            throw RpcErrors.Of(StatusCode.DeadlineExceeded, secrets.Scrub(
                $"{what} timed out after {Durations.Format(timeout!.Value)}{Where()}. " +
                $"Check that the host is reachable, or raise customTimeouts.{operation} " +
                $"(default: mvm:{operation}Timeout)."));
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            throw RpcErrors.Of(StatusCode.Cancelled,
                secrets.Scrub($"{what} was cancelled by the engine{Where()}"));
        }
        catch (ResourceInitFailedException e) when (e.State is ObjectProperty partial)
        {
            var reasons = e.Reasons.Select(secrets.Scrub).ToList();
            var detail = new ErrorResourceInitFailed
            {
                Id = id ?? e.Id,
                Properties = PropertyValueCodec.Encode(partial),
                Inputs = PropertyValueCodec.Encode(properties),
            };
            detail.Reasons.AddRange(reasons);
            throw RpcErrors.Of(StatusCode.Unknown,
                $"{what} did not finish{Where()}: {string.Join("; ", reasons)}", detail);
        }
        catch (StepFailedException e)
        {
            // UNKNOWN tells the engine the object may be half-made; only say so when a changing step ran.
            var code = e.InnerException switch
            {
                PreconditionFailedException => StatusCode.FailedPrecondition,
                Transport.HostUnreachableException when !ctx.ChangesMayHaveStarted => StatusCode.Unavailable,
                _ when !ctx.ChangesMayHaveStarted => StatusCode.FailedPrecondition,
                _ => StatusCode.Unknown,
            };
            throw RpcErrors.Of(code, secrets.Scrub(
                $"{what} failed at step '{e.StepName}'" + (e.HostName is null ? "" : $" on host {e.HostName}") +
                $": {e.Message}"));
        }
        catch (PreconditionFailedException e)
        {
            throw RpcErrors.Of(StatusCode.FailedPrecondition,
                secrets.Scrub($"{what} cannot proceed: {e.Message}"));
        }
        catch (ProviderException e)
        {
            throw RpcErrors.Of(
                ctx.ChangesMayHaveStarted ? StatusCode.Unknown : StatusCode.FailedPrecondition,
                secrets.Scrub($"{what} failed{Where()}: {e.Message}"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            await _log.DebugAsync(secrets.Scrub(e.ToString()), urn).ConfigureAwait(false);
            throw RpcErrors.Of(StatusCode.Unknown,
                secrets.Scrub($"{what} failed{Where()}: internal error {e.GetType().Name}: {e.Message}"));
        }
    }
}
