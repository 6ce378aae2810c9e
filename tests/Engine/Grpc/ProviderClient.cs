using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Grpc;

/// <summary>One RPC made to a provider, for tests that assert on the exact call sequence and payloads.</summary>
/// <param name="Provider">The client's <see cref="ProviderClient.Label"/> (the engine uses the provider URN).</param>
public sealed record RpcCallRecord(string Method, IMessage Request, IMessage? Response, RpcFailure? Failure, TimeSpan Elapsed, DateTimeOffset Started, string Provider = "")
{
    public T RequestAs<T>() where T : IMessage => (T)Request;

    public T? ResponseAs<T>() where T : class, IMessage => Response as T;
}

/// <summary>
/// Typed client for pulumirpc.ResourceProvider over hand-framed h2c gRPC. Each method returns the response
/// or throws <see cref="RpcFailure"/>. Every call is recorded in <see cref="Calls"/>.
/// </summary>
public sealed class ProviderClient : IDisposable
{
    public const string Service = "/pulumirpc.ResourceProvider/";

    private readonly GrpcUnaryClient _grpc;
    private readonly object _gate = new();
    private readonly List<RpcCallRecord> _calls = [];

    public ProviderClient(string address)
    {
        Address = address;
        _grpc = new GrpcUnaryClient(address);
    }

    /// <summary>"127.0.0.1:PORT" of the plugin.</summary>
    public string Address { get; }

    /// <summary>Copied into every <see cref="RpcCallRecord"/> to tell providers apart.</summary>
    public string Label { get; init; } = "";

    /// <summary>Raised after every call (success or failure).</summary>
    public event Action<RpcCallRecord>? CallCompleted;

    public IReadOnlyList<RpcCallRecord> Calls
    {
        get
        {
            lock (_gate)
                return _calls.ToArray();
        }
    }

    public Task<ProviderHandshakeResponse> HandshakeAsync(ProviderHandshakeRequest request, CancellationToken ct = default)
        => CallAsync("Handshake", request, ProviderHandshakeResponse.Parser, ct);

    public Task<PluginInfo> GetPluginInfoAsync(CancellationToken ct = default)
        => CallAsync("GetPluginInfo", new Empty(), PluginInfo.Parser, ct);

    public Task<GetSchemaResponse> GetSchemaAsync(GetSchemaRequest? request = null, CancellationToken ct = default)
        => CallAsync("GetSchema", request ?? new GetSchemaRequest(), GetSchemaResponse.Parser, ct);

    public Task<CheckResponse> CheckConfigAsync(CheckRequest request, CancellationToken ct = default)
        => CallAsync("CheckConfig", request, CheckResponse.Parser, ct);

    public Task<DiffResponse> DiffConfigAsync(DiffRequest request, CancellationToken ct = default)
        => CallAsync("DiffConfig", request, DiffResponse.Parser, ct);

    public Task<ConfigureResponse> ConfigureAsync(ConfigureRequest request, CancellationToken ct = default)
        => CallAsync("Configure", request, ConfigureResponse.Parser, ct);

    public Task<CheckResponse> CheckAsync(CheckRequest request, CancellationToken ct = default)
        => CallAsync("Check", request, CheckResponse.Parser, ct);

    public Task<DiffResponse> DiffAsync(DiffRequest request, CancellationToken ct = default)
        => CallAsync("Diff", request, DiffResponse.Parser, ct);

    public Task<CreateResponse> CreateAsync(CreateRequest request, CancellationToken ct = default)
        => CallAsync("Create", request, CreateResponse.Parser, ct);

    public Task<ReadResponse> ReadAsync(ReadRequest request, CancellationToken ct = default)
        => CallAsync("Read", request, ReadResponse.Parser, ct);

    public Task<UpdateResponse> UpdateAsync(UpdateRequest request, CancellationToken ct = default)
        => CallAsync("Update", request, UpdateResponse.Parser, ct);

    public Task<Empty> DeleteAsync(DeleteRequest request, CancellationToken ct = default)
        => CallAsync("Delete", request, Empty.Parser, ct);

    public Task<Empty> CancelAsync(CancellationToken ct = default)
        => CallAsync("Cancel", new Empty(), Empty.Parser, ct);

    public Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken ct = default)
        => CallAsync("Invoke", request, InvokeResponse.Parser, ct);

    public Task<Empty> AttachAsync(PluginAttach request, CancellationToken ct = default)
        => CallAsync("Attach", request, Empty.Parser, ct);

    /// <summary>Sends raw bytes to a path (e.g. "/pulumirpc.ResourceProvider/Check") for malformed-frame tests.</summary>
    public Task<RawRpcResult> SendRawAsync(string path, byte[] body, CancellationToken ct = default, string contentType = "application/grpc")
        => _grpc.SendRawAsync(path, body, ct, contentType);

    /// <summary>Calls any ResourceProvider method by name with a typed request.</summary>
    public async Task<TResponse> CallAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, CancellationToken ct = default)
        where TResponse : IMessage<TResponse>
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        try
        {
            var response = await _grpc.CallAsync(Service + method, request, parser, ct).ConfigureAwait(false);
            Record(new RpcCallRecord(method, request, response, null, watch.Elapsed, started, Label));
            return response;
        }
        catch (RpcFailure failure)
        {
            Record(new RpcCallRecord(method, request, null, failure, watch.Elapsed, started, Label));
            throw;
        }
    }

    private void Record(RpcCallRecord record)
    {
        lock (_gate)
            _calls.Add(record);
        CallCompleted?.Invoke(record);
    }

    public void Dispose() => _grpc.Dispose();
}
