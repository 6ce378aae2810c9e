using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Plugins;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// Launches and configures provider plugins for one run, one process per provider resource (as the engine does),
/// and stops them all at the end with SIGINT. Lifecycle per plugin: launch → Handshake (UNAVAILABLE retried,
/// UNIMPLEMENTED = legacy) → GetPluginInfo → [GetSchema] → CheckConfig → [DiffConfig] → Configure.
/// </summary>
internal sealed class ProviderRegistry
{
    private readonly RunContext _ctx;
    private readonly IPluginLauncher _launcher;
    private readonly IReadOnlyDictionary<string, string> _pulumiConfig;
    private readonly List<ProviderInstance> _instances = [];
    private readonly object _gate = new();

    public ProviderRegistry(RunContext ctx, IPluginLauncher launcher, IReadOnlyDictionary<string, string> pulumiConfig)
    {
        _ctx = ctx;
        _launcher = launcher;
        _pulumiConfig = pulumiConfig;
    }

    public IReadOnlyList<ProviderInstance> Instances
    {
        get
        {
            lock (_gate)
                return _instances.ToArray();
        }
    }

    public string DefaultProviderUrn => _ctx.Urn(_ctx.ProviderType, "default");

    /// <summary>PULUMI_CONFIG for plugins: this package's config as plaintext strings.</summary>
    public static Dictionary<string, string> PulumiConfig(IReadOnlyDictionary<string, ConfigValue> packageConfig)
        => packageConfig.ToDictionary(kv => kv.Key, kv => kv.Value.Text);

    /// <summary>Default-provider inputs: stack config values as strings, secure ones as secrets (target.go).</summary>
    public static Struct DefaultProviderInputs(IReadOnlyDictionary<string, ConfigValue> packageConfig)
    {
        var s = new Struct();
        foreach (var (key, value) in packageConfig)
            s.Fields[key] = value.Secret ? PropertyValues.Secret(value.Text) : Value.ForString(value.Text);
        return s;
    }

    public async Task<ProviderInstance> LaunchAsync(string urn, string name)
    {
        _ctx.ThrowIfCanceled();
        var plugin = await _launcher.LaunchAsync(new PluginLaunchOptions
        {
            PluginPath = _ctx.Options.PluginPath ?? "",
            EngineAddress = _ctx.Server.Address,
            WorkingDirectory = _ctx.Options.ProgramDirectory,
            Project = _ctx.Project,
            Config = _pulumiConfig,
            LogToStderr = _ctx.Options.LogToStderr,
            Verbosity = _ctx.Options.Verbosity,
            Environment = _ctx.Options.PluginEnvironment,
            PortTimeout = _ctx.Options.PortTimeout,
        }, CancellationToken.None).ConfigureAwait(false);

        var client = new ProviderClient(plugin.Address) { Label = urn };
        client.CallCompleted += _ctx.RecordCall;
        var instance = new ProviderInstance(_ctx, urn, name, plugin, client);
        lock (_gate)
            _instances.Add(instance);

        instance.Handshake = await HandshakeAsync(instance).ConfigureAwait(false);
        try
        {
            instance.Info = await instance.CallAsync(ct => client.GetPluginInfoAsync(ct)).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            throw new DeploymentException($"failed to load plugin for {urn}: GetPluginInfo failed: {e.StatusMessage}", e);
        }
        if (instance.Handshake is not null)
        {
            // A successful Handshake fixes the protocol flags and forces preview support (doc §2.1).
            instance.AcceptSecrets = instance.Handshake.AcceptSecrets;
            instance.SupportsPreview = true;
        }
        return instance;
    }

    private async Task<ProviderHandshakeResponse?> HandshakeAsync(ProviderInstance instance)
    {
        var request = new ProviderHandshakeRequest
        {
            EngineAddress = _ctx.Server.Address,
            RootDirectory = _ctx.Options.ProgramDirectory,
            ProgramDirectory = _ctx.Options.ProgramDirectory,
            ConfigureWithUrn = true,
            SupportsViews = false,
            SupportsRefreshBeforeUpdate = true,
            InvokeWithPreview = true,
            AcceptsByteString = false,
        };
        var deadline = DateTime.UtcNow.AddSeconds(10); // pluginRPCConnectionTimeout
        while (true)
        {
            try
            {
                return await instance.CallAsync(ct => instance.Client.HandshakeAsync(request, ct)).ConfigureAwait(false);
            }
            catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
            {
                return null; // legacy plugin: flags come from Configure
            }
            catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unavailable && DateTime.UtcNow < deadline && !instance.Plugin.HasExited)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }
            catch (RpcFailure e)
            {
                throw new DeploymentException($"failed to load plugin for {instance.Urn}: Handshake failed: {e.StatusMessage}", e);
            }
        }
    }

    /// <summary>GetSchema(version 0); null when the provider has no schema (empty, `{}` or UNIMPLEMENTED).</summary>
    public static async Task<SchemaInfo?> SchemaAsync(ProviderInstance instance)
    {
        GetSchemaResponse response;
        try
        {
            response = await instance.CallAsync(ct => instance.Client.GetSchemaAsync(new GetSchemaRequest { Version = 0 }, ct)).ConfigureAwait(false);
        }
        catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
        {
            return null;
        }
        catch (RpcFailure e)
        {
            throw new DeploymentException($"GetSchema failed: {e.StatusMessage}", e);
        }
        var text = response.Schema.Trim();
        if (text.Length == 0 || text == "{}")
            return null;
        try
        {
            return SchemaInfo.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DeploymentException($"provider returned an invalid schema: {e.Message}", e);
        }
    }

    /// <summary>The outcome of configuring a provider resource.</summary>
    public sealed record ConfigOutcome(Struct Inputs, DiffOutcome? Diff, DiffResponse? DiffResponse);

    /// <summary>
    /// CheckConfig → DiffConfig (existing provider) → Configure. CheckConfig/DiffConfig get plaintext and secretness
    /// is re-applied by key; Configure gets secrets. With unknown config (preview) Configure is not called.
    /// </summary>
    public async Task<ConfigOutcome> ConfigureAsync(ProviderInstance instance, Struct news, ResourceState? old)
    {
        var urn = instance.Urn;
        var type = _ctx.ProviderType;
        if (PropertyValues.ContainsUnknowns(news))
        {
            instance.Inputs = news;
            return new ConfigOutcome(news, old is null ? null : new DiffOutcome(true, false, false, [], []), null);
        }

        var checkedInputs = news;
        try
        {
            var check = await instance.CallAsync(ct => instance.Client.CheckConfigAsync(new CheckRequest
            {
                Urn = urn,
                Name = instance.Name,
                Type = type,
                Olds = PropertyValues.StripSecrets(old?.Inputs ?? new Struct()),
                News = PropertyValues.StripSecrets(news),
            }, ct)).ConfigureAwait(false);
            if (check.Failures.Count > 0)
            {
                foreach (var f in check.Failures)
                    _ctx.Diagnose(DiagnosticSeverity.Error, $"{(f.Property.Length > 0 ? _ctx.Package + ":" + f.Property + ": " : "")}{f.Reason}", urn);
                throw new DeploymentException($"provider {urn} has invalid configuration: " +
                    string.Join("; ", check.Failures.Select(f => (f.Property.Length > 0 ? f.Property + ": " : "") + f.Reason)));
            }
            if (check.Inputs is not null)
                checkedInputs = SecretAnnotation.Annotate(check.Inputs, news);
        }
        catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
        {
            // The engine uses news as-is.
        }
        catch (RpcFailure e)
        {
            throw new DeploymentException($"CheckConfig of {urn} failed: {e.StatusMessage}", e);
        }

        DiffOutcome? diff = null;
        DiffResponse? diffResponse = null;
        if (old is not null)
        {
            try
            {
                diffResponse = await instance.CallAsync(ct => instance.Client.DiffConfigAsync(new DiffRequest
                {
                    Id = old.Id,
                    Urn = urn,
                    Name = instance.Name,
                    Type = type,
                    Olds = PropertyValues.StripSecrets(old.Outputs),
                    OldInputs = PropertyValues.StripSecrets(old.Inputs),
                    News = PropertyValues.StripSecrets(checkedInputs),
                }, ct)).ConfigureAwait(false);
            }
            catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
            {
                diffResponse = new DiffResponse { Changes = DiffResponse.Types.DiffChanges.DiffUnknown };
            }
            catch (RpcFailure e)
            {
                throw new DeploymentException($"DiffConfig of {urn} failed: {e.StatusMessage}", e);
            }
            diff = DiffOutcome.From(diffResponse, PropertyValues.StripSecrets(old.Outputs), PropertyValues.StripSecrets(checkedInputs), []);
        }

        await ConfigureOnlyAsync(instance, checkedInputs).ConfigureAwait(false);
        return new ConfigOutcome(checkedInputs, diff, diffResponse);
    }

    /// <summary>The Configure call itself (also used for providers rebuilt from state for refresh/destroy).</summary>
    public async Task ConfigureOnlyAsync(ProviderInstance instance, Struct inputs)
    {
        instance.Inputs = inputs;
        var request = new ConfigureRequest
        {
            Args = inputs,
            AcceptSecrets = true,
            AcceptResources = false,
            SendsOldInputs = true,
            SendsOldInputsToDelete = true,
            Urn = instance.Urn,
            Name = instance.Name,
            Type = _ctx.ProviderType,
        };
        if (!string.IsNullOrEmpty(instance.Id) && !Unknowns.IsUnknown(Value.ForString(instance.Id)))
            request.Id = instance.Id;
        foreach (var (key, value) in inputs.Fields)
        {
            if (key == "version")
                continue;
            var plain = PropertyValues.StripSecrets(value);
            request.Variables[$"{_ctx.Package}:config:{key}"] = plain.KindCase == Value.KindOneofCase.StringValue ? plain.StringValue : PropertyValues.ToJson(plain);
        }
        try
        {
            instance.ConfigureResponse = await instance.CallAsync(ct => instance.Client.ConfigureAsync(request, ct)).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            if (e.MissingKeys is { } missing)
            {
                foreach (var key in missing.MissingKeys)
                {
                    var qualified = key.Name.Contains(':') ? key.Name : $"{_ctx.Package}:{key.Name}";
                    _ctx.Diagnose(DiagnosticSeverity.Error,
                        $"missing required configuration key {qualified}: {key.Description}; set with `pulumi config set`", instance.Urn);
                }
                throw new DeploymentException(
                    $"provider {instance.Urn} is missing required configuration: {string.Join(", ", missing.MissingKeys.Select(k => k.Name))}", e);
            }
            throw new DeploymentException($"Configure of {instance.Urn} failed: {e.StatusMessage}", e);
        }
        if (instance.Handshake is null)
        {
            // Legacy path: protocol flags come from the Configure response.
            instance.AcceptSecrets = instance.ConfigureResponse.AcceptSecrets;
            instance.SupportsPreview = instance.ConfigureResponse.SupportsPreview;
        }
        instance.Configured = true;
    }

    /// <summary>The provider that manages a resource in old state ("urn::id"), launched and configured from that state if needed.</summary>
    public async Task<ProviderInstance> ForStateReferenceAsync(string reference, StackState oldState)
    {
        var (urn, id) = ResourceState.ParseProviderReference(reference);
        var existing = Instances.FirstOrDefault(i => i.Urn == urn && i.Id == id && i.Configured);
        if (existing is not null)
            return existing;
        var providerState = oldState.Resources.FirstOrDefault(r => r.Urn == urn && r.Id == id)
            ?? throw new DeploymentException($"provider {reference} is not in the state");
        var instance = await LaunchAsync(urn, providerState.Name).ConfigureAwait(false);
        instance.Id = id;
        // Same lifecycle as any provider load (CheckConfig → Configure), fed from the provider's stored inputs.
        await ConfigureAsync(instance, providerState.Inputs, null).ConfigureAwait(false);
        return instance;
    }

    /// <summary>Sends Cancel to every plugin (UNIMPLEMENTED counts as acknowledged), optionally SIGINT too.</summary>
    public void CancelAll(bool interrupt)
    {
        foreach (var instance in Instances)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await instance.Client.CancelAsync(cts.Token).ConfigureAwait(false);
                }
                catch (RpcFailure)
                {
                }
                if (interrupt)
                    instance.Plugin.Interrupt();
            });
        }
    }

    /// <summary>SIGINT every plugin, wait (5 s), kill stragglers; report what each left behind.</summary>
    public async Task<IReadOnlyList<PluginRun>> StopAllAsync()
    {
        var runs = new List<PluginRun>();
        foreach (var instance in Instances)
        {
            var exit = await instance.Plugin.StopAsync(_ctx.Options.StopGrace).ConfigureAwait(false);
            instance.Client.Dispose();
            runs.Add(new PluginRun
            {
                Provider = instance.Urn,
                Address = instance.Plugin.Address,
                StartupTime = instance.Plugin.StartupTime,
                Info = instance.Info,
                Handshake = instance.Handshake,
                Configure = instance.ConfigureResponse,
                ExitCode = exit,
                Killed = instance.Plugin.WasKilled,
                Stdout = instance.Plugin.Stdout,
                Stderr = instance.Plugin.Stderr,
            });
        }
        return runs;
    }
}
