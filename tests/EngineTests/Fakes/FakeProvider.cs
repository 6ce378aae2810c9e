using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Plugins;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests.Fakes;

/// <summary>
/// A small in-process ResourceProvider served over real h2c gRPC, standing in for the plugin so the engine's side
/// can be tested on its own. Resources get id "id-N" and a computed output "arn"; Diff compares old inputs with
/// news and reports replacement for <see cref="FakeCloud.ReplaceProperties"/>.
/// </summary>
public sealed class FakeProvider : IPluginHandle
{
    private const string Service = "/pulumirpc.ResourceProvider/";

    private readonly FakeCloud _cloud;
    private readonly PluginLaunchOptions _options;
    private GrpcServer? _server;
    private GrpcUnaryClient? _engine;
    private int? _exitCode;

    private FakeProvider(FakeCloud cloud, PluginLaunchOptions options)
    {
        _cloud = cloud;
        _options = options;
    }

    public string Address => _server!.Address;

    public TimeSpan StartupTime => TimeSpan.Zero;

    public bool HasExited => _exitCode is not null;

    public int? ExitCode => _exitCode;

    public string Stdout => "";

    public string Stderr => "";

    public bool WasKilled => false;

    /// <summary>The config this instance was configured with (plaintext view of Configure.args).</summary>
    public Struct? ConfiguredWith { get; private set; }

    public static async Task<FakeProvider> StartAsync(FakeCloud cloud, PluginLaunchOptions options)
    {
        var fake = new FakeProvider(cloud, options);
        if (options.EngineAddress is not null)
            fake._engine = new GrpcUnaryClient(options.EngineAddress);
        var map = new GrpcServiceMap();
        fake.Register(map);
        fake._server = await GrpcServer.StartAsync(map).ConfigureAwait(false);
        return fake;
    }

    private void Add<TReq, TResp>(GrpcServiceMap map, string method, MessageParser<TReq> parser, Func<TReq, Task<TResp>> handler)
        where TReq : IMessage<TReq>
        where TResp : IMessage<TResp>
        => map.Add<TReq, TResp>(Service + method, parser, (request, _) =>
        {
            _cloud.Received.Enqueue((method, request));
            return handler(request);
        });

    private void Register(GrpcServiceMap map)
    {
        Add(map, "Handshake", ProviderHandshakeRequest.Parser, _ => _cloud.HandshakeImplemented
            ? Task.FromResult(new ProviderHandshakeResponse { AcceptSecrets = _cloud.AcceptSecrets })
            : throw new RpcFailure(GrpcStatusCode.Unimplemented, "Handshake not implemented"));
        Add(map, "GetPluginInfo", Empty.Parser, _ => Task.FromResult(new PluginInfo { Version = "0.1.0" }));
        Add(map, "GetSchema", GetSchemaRequest.Parser, _ => Task.FromResult(new GetSchemaResponse { Schema = Schema() }));
        Add(map, "CheckConfig", CheckRequest.Parser, r => Task.FromResult(new CheckResponse { Inputs = r.News }));
        Add(map, "DiffConfig", DiffRequest.Parser, r => Task.FromResult(_cloud.OnDiffConfig?.Invoke(r) ?? new DiffResponse { Changes = DiffResponse.Types.DiffChanges.DiffUnknown }));
        Add(map, "Configure", ConfigureRequest.Parser, Configure);
        Add(map, "Check", CheckRequest.Parser, r => Task.FromResult(_cloud.OnCheck?.Invoke(r) ?? Check(r)));
        Add(map, "Diff", DiffRequest.Parser, r => Task.FromResult(_cloud.OnDiff?.Invoke(r) ?? Diff(r)));
        Add(map, "Create", CreateRequest.Parser, CreateAsync);
        Add(map, "Read", ReadRequest.Parser, r => Task.FromResult(_cloud.OnRead?.Invoke(r) ?? Read(r)));
        Add(map, "Update", UpdateRequest.Parser, r => Task.FromResult(_cloud.OnUpdate?.Invoke(r) ?? Update(r)));
        Add(map, "Delete", DeleteRequest.Parser, r =>
        {
            if (_cloud.OnDelete?.Invoke(r) != true)
                _cloud.Objects.TryRemove(r.Id, out _);
            return Task.FromResult(new Empty());
        });
        Add(map, "Cancel", Empty.Parser, _ =>
        {
            Interlocked.Increment(ref _cloud.CancelCount);
            return Task.FromResult(new Empty());
        });
        Add(map, "Invoke", InvokeRequest.Parser, r => Task.FromResult(new InvokeResponse { Return = r.Args }));
    }

    private string Schema()
    {
        var resources = string.Join(",", _cloud.ResourceTokens.Select(t =>
        {
            var props = string.Join(",", _cloud.SecretProperties.Select(p => $"\"{p}\":{{\"type\":\"string\",\"secret\":true}}"));
            return $"\"{t}\":{{\"properties\":{{{props}}}}}";
        }));
        return $"{{\"name\":\"mvm\",\"resources\":{{{resources}}}}}";
    }

    private Task<ConfigureResponse> Configure(ConfigureRequest r)
    {
        ConfiguredWith = r.Args;
        var missing = _cloud.RequiredConfig.Where(k => !r.Args.Fields.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            var detail = new ConfigureErrorMissingKeys();
            detail.MissingKeys.AddRange(missing.Select(k => new MissingKey { Name = k, Description = $"the {k} to use" }));
            throw RpcFailure.WithDetail(GrpcStatusCode.InvalidArgument, "missing required configuration", detail);
        }
        return Task.FromResult(new ConfigureResponse { AcceptSecrets = _cloud.AcceptSecrets, SupportsPreview = true });
    }

    private static CheckResponse Check(CheckRequest r)
    {
        var response = new CheckResponse { Inputs = r.News.Clone() };
        if (r.News.Fields.TryGetValue("invalid", out var why))
            response.Failures.Add(new CheckFailure { Property = "invalid", Reason = PropertyValues.Unwrap(why).StringValue });
        return response;
    }

    private DiffResponse Diff(DiffRequest r)
    {
        var response = new DiffResponse { DeleteBeforeReplace = _cloud.DeleteBeforeReplace, HasDetailedDiff = true };
        foreach (var key in r.OldInputs.Fields.Keys.Union(r.News.Fields.Keys))
        {
            var had = r.OldInputs.Fields.TryGetValue(key, out var o);
            var has = r.News.Fields.TryGetValue(key, out var n);
            if (had && has && o!.Equals(n))
                continue;
            var replace = _cloud.ReplaceProperties.Contains(key);
            var kind = !had ? PropertyDiff.Types.Kind.Add : !has ? PropertyDiff.Types.Kind.Delete : PropertyDiff.Types.Kind.Update;
            if (replace)
            {
                kind += 1; // ADD→ADD_REPLACE, DELETE→DELETE_REPLACE, UPDATE→UPDATE_REPLACE
                response.Replaces.Add(key);
            }
            response.DetailedDiff[key] = new PropertyDiff { Kind = kind, InputDiff = true };
            response.Diffs.Add(key);
        }
        response.Changes = response.DetailedDiff.Count > 0 ? DiffResponse.Types.DiffChanges.DiffSome : DiffResponse.Types.DiffChanges.DiffNone;
        return response;
    }

    private async Task<CreateResponse> CreateAsync(CreateRequest r)
    {
        if (_cloud.OnCreate is not null && await _cloud.OnCreate(r).ConfigureAwait(false) is { } custom)
            return custom;
        await LogAsync(LogSeverity.Info, $"creating {r.Name}", r.Urn).ConfigureAwait(false);
        var outputs = r.Properties.Clone();
        outputs.Fields["_name"] = Value.ForString(r.Name);
        if (r.Preview)
        {
            outputs.Fields["arn"] = Unknowns.Of();
            return new CreateResponse { Properties = outputs };
        }
        var id = _cloud.NewId();
        outputs.Fields["arn"] = Value.ForString("arn:" + id);
        _cloud.Objects[id] = outputs;
        return new CreateResponse { Id = id, Properties = outputs };
    }

    private ReadResponse Read(ReadRequest r)
    {
        if (!_cloud.Objects.TryGetValue(r.Id, out var outputs))
            return new ReadResponse();
        var inputs = outputs.Clone();
        inputs.Fields.Remove("arn");
        inputs.Fields.Remove("_name");
        return new ReadResponse { Id = r.Id, Properties = outputs.Clone(), Inputs = inputs };
    }

    private UpdateResponse Update(UpdateRequest r)
    {
        var outputs = r.News.Clone();
        outputs.Fields["_name"] = Value.ForString(r.Name);
        outputs.Fields["arn"] = r.Preview ? Unknowns.Of() : Value.ForString("arn:" + r.Id);
        if (!r.Preview)
            _cloud.Objects[r.Id] = outputs;
        return new UpdateResponse { Properties = outputs };
    }

    /// <summary>Logs back to the engine, as a real provider does (pulumirpc.Engine/Log).</summary>
    public async Task LogAsync(LogSeverity severity, string message, string urn = "", bool ephemeral = false)
    {
        if (_engine is null)
            return;
        await _engine.CallAsync(EngineServer.LogPath, new LogRequest { Severity = severity, Message = message, Urn = urn, Ephemeral = ephemeral }, Empty.Parser).ConfigureAwait(false);
    }

    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        if (_exitCode is null)
        {
            _exitCode = 0;
            _engine?.Dispose();
            if (_server is not null)
                await _server.DisposeAsync().ConfigureAwait(false);
        }
        return 0;
    }

    public bool Interrupt()
    {
        _ = StopAsync();
        return true;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}

/// <summary>Launches <see cref="FakeProvider"/>s for the engine instead of the plugin binary.</summary>
public sealed class FakeLauncher(FakeCloud cloud) : IPluginLauncher
{
    public List<FakeProvider> Instances { get; } = [];

    public async Task<IPluginHandle> LaunchAsync(PluginLaunchOptions options, CancellationToken ct)
    {
        cloud.Launches.Enqueue(options);
        var fake = await FakeProvider.StartAsync(cloud, options).ConfigureAwait(false);
        lock (Instances)
            Instances.Add(fake);
        return fake;
    }
}
