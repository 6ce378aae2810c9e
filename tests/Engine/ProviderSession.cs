using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Plugins;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness;

/// <summary>Options for <see cref="ProviderSession"/>.</summary>
public sealed record ProviderSessionOptions
{
    /// <summary>Null = locate (MVM_PLUGIN_PATH, then the repo build).</summary>
    public string? PluginPath { get; init; }

    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    public string Project { get; init; } = "test";

    public string Stack { get; init; } = "dev";

    /// <summary>Package config (keys without "mvm:"), as stack config strings.</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>Secure package config: sent as secrets in Configure.args.</summary>
    public IReadOnlyDictionary<string, string> SecretConfig { get; init; } = new Dictionary<string, string>();

    public bool LogToStderr { get; init; }

    public int? Verbosity { get; init; }

    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Substitute launcher (tests of the harness itself).</summary>
    public IPluginLauncher? Launcher { get; init; }

    /// <summary>Launch without an engine address (the plugin then waits for Attach).</summary>
    public bool AttachMode { get; init; }
}

/// <summary>
/// One plugin launched as the engine launches it, with an engine server to log to and a typed client: for protocol
/// tests that drive Check/Create/... directly instead of through a YAML program.
/// <code>
/// await using var s = await ProviderSession.StartAsync(new() { Config = new Dictionary&lt;string, string&gt; { ["sshUser"] = "root" } });
/// await s.HandshakeAsync(); await s.ConfigureAsync();
/// var check = await s.Client.CheckAsync(s.CheckRequest("mvm:index:CephPool", "pool", new { name = "rbd" }));
/// var exit = await s.StopAsync();   // SIGINT; expect 0
/// </code>
/// </summary>
public sealed class ProviderSession : IAsyncDisposable
{
    private ProviderSession(ProviderSessionOptions options, EngineServer engine, IPluginHandle plugin, ProviderClient client)
    {
        Options = options;
        Engine = engine;
        Plugin = plugin;
        Client = client;
    }

    public ProviderSessionOptions Options { get; }

    public EngineServer Engine { get; }

    public IPluginHandle Plugin { get; }

    public ProviderClient Client { get; }

    public IReadOnlyList<LogEntry> Logs => Engine.Logs;

    public string ProviderUrn => Urn("pulumi:providers:mvm", "default");

    public static async Task<ProviderSession> StartAsync(ProviderSessionOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ProviderSessionOptions();
        var engine = await EngineServer.StartAsync(ct).ConfigureAwait(false);
        try
        {
            var launcher = options.Launcher ?? new ProcessPluginLauncher(options.PluginPath);
            var plugin = await launcher.LaunchAsync(new PluginLaunchOptions
            {
                PluginPath = options.PluginPath ?? "",
                EngineAddress = options.AttachMode ? null : engine.Address,
                WorkingDirectory = options.WorkingDirectory,
                Project = options.Project,
                Config = options.Config.Concat(options.SecretConfig).ToDictionary(kv => kv.Key, kv => kv.Value),
                LogToStderr = options.LogToStderr,
                Verbosity = options.Verbosity,
                Environment = options.Environment,
            }, ct).ConfigureAwait(false);
            return new ProviderSession(options, engine, plugin, new ProviderClient(plugin.Address) { Label = "session" });
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string Urn(string type, string name) => ResourceState.MakeUrn(Options.Stack, Options.Project, TypeTokens.Expand(type), name);

    /// <summary>
    /// The engine's Handshake; null if the plugin answered UNIMPLEMENTED (legacy). For attach mode the engine leaves
    /// root_directory and program_directory unset.
    /// </summary>
    public async Task<ProviderHandshakeResponse?> HandshakeAsync(bool forAttach = false, CancellationToken ct = default)
    {
        var request = new ProviderHandshakeRequest
        {
            EngineAddress = Engine.Address,
            ConfigureWithUrn = true,
            SupportsRefreshBeforeUpdate = true,
            InvokeWithPreview = true,
        };
        if (!forAttach)
        {
            request.RootDirectory = Options.WorkingDirectory;
            request.ProgramDirectory = Options.WorkingDirectory;
        }
        try
        {
            return await Client.HandshakeAsync(request, ct).ConfigureAwait(false);
        }
        catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
        {
            return null;
        }
    }

    /// <summary>
    /// Attach mode (PULUMI_DEBUG_PROVIDERS): Handshake without directories, then Attach(engine address).
    /// Use with <see cref="ProviderSessionOptions.AttachMode"/>, which launches the plugin with no engine address.
    /// </summary>
    public async Task<ProviderHandshakeResponse?> AttachAsync(CancellationToken ct = default)
    {
        var handshake = await HandshakeAsync(forAttach: true, ct).ConfigureAwait(false);
        await Client.AttachAsync(new PluginAttach { Address = Engine.Address }, ct).ConfigureAwait(false);
        return handshake;
    }

    /// <summary>The provider's config as the engine builds it for a default provider: strings, secure values as secrets.</summary>
    public Struct ConfigInputs()
        => ProviderRegistry.DefaultProviderInputs(
            Options.Config.Select(kv => KeyValuePair.Create(kv.Key, new ConfigValue(kv.Value, false)))
                .Concat(Options.SecretConfig.Select(kv => KeyValuePair.Create(kv.Key, new ConfigValue(kv.Value, true))))
                .ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>CheckConfig (plaintext, secretness re-applied by key) then Configure, as the engine does.</summary>
    public async Task<ConfigureResponse> ConfigureAsync(CancellationToken ct = default)
    {
        var news = ConfigInputs();
        var args = news;
        try
        {
            var check = await Client.CheckConfigAsync(new CheckRequest
            {
                Urn = ProviderUrn,
                Name = "default",
                Type = "pulumi:providers:mvm",
                Olds = new Struct(),
                News = PropertyValues.StripSecrets(news),
            }, ct).ConfigureAwait(false);
            if (check.Failures.Count > 0)
                throw new InvalidOperationException("CheckConfig failed: " + string.Join("; ", check.Failures.Select(f => $"{f.Property}: {f.Reason}")));
            if (check.Inputs is not null)
                args = SecretAnnotation.Annotate(check.Inputs, news);
        }
        catch (RpcFailure e) when (e.Code == GrpcStatusCode.Unimplemented)
        {
        }
        var request = new ConfigureRequest
        {
            Args = args,
            AcceptSecrets = true,
            AcceptResources = false,
            SendsOldInputs = true,
            SendsOldInputsToDelete = true,
            Urn = ProviderUrn,
            Name = "default",
            Type = "pulumi:providers:mvm",
            Id = Guid.NewGuid().ToString(),
        };
        foreach (var (key, value) in args.Fields)
        {
            var plain = PropertyValues.StripSecrets(value);
            request.Variables[$"mvm:config:{key}"] = plain.KindCase == Value.KindOneofCase.StringValue ? plain.StringValue : PropertyValues.ToJson(plain);
        }
        return await Client.ConfigureAsync(request, ct).ConfigureAwait(false);
    }

    public CheckRequest CheckRequest(string type, string name, object news, object? olds = null) => new()
    {
        Urn = Urn(type, name),
        Name = name,
        Type = TypeTokens.Expand(type),
        Olds = PropertyValues.Struct(olds),
        News = PropertyValues.Struct(news),
        RandomSeed = Google.Protobuf.ByteString.CopyFrom(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>SIGINT, 5 s grace, kill; returns the exit code (0 expected).</summary>
    public async Task<int> StopAsync(TimeSpan? grace = null) => await Plugin.StopAsync(grace).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Plugin.DisposeAsync().ConfigureAwait(false);
        await Engine.DisposeAsync().ConfigureAwait(false);
    }
}
