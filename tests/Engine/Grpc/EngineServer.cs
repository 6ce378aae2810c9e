using Google.Protobuf.WellKnownTypes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Grpc;

/// <summary>One pulumirpc.Engine/Log call as received from a plugin.</summary>
public sealed record LogEntry(LogSeverity Severity, string Message, string Urn, bool Ephemeral, int StreamId, DateTimeOffset Received);

/// <summary>
/// The engine's gRPC service that plugins call back into (the address passed on their command line).
/// Records every Log call; answers the health check the Go SDK polls; everything else is UNIMPLEMENTED.
/// </summary>
public sealed class EngineServer : IAsyncDisposable
{
    public const string LogPath = "/pulumirpc.Engine/Log";
    public const string HealthCheckPath = "/grpc.health.v1.Health/Check";

    private readonly object _gate = new();
    private readonly List<LogEntry> _logs = [];
    private GrpcServer? _server;

    /// <summary>Raised for every log entry as it arrives (the CLI prints ephemeral status from here).</summary>
    public event Action<LogEntry>? Logged;

    public string Address => _server?.Address ?? throw new InvalidOperationException("engine server not started");

    public int Port => _server?.Port ?? throw new InvalidOperationException("engine server not started");

    public static async Task<EngineServer> StartAsync(CancellationToken ct = default)
    {
        var engine = new EngineServer();
        var services = new GrpcServiceMap()
            .Add(LogPath, LogRequest.Parser, (request, _) => Task.FromResult(engine.Record(request)))
            // grpc.health.v1.HealthCheckResponse{status=SERVING(1)} encoded by hand: field 1, varint 1.
            .AddRaw(HealthCheckPath, (_, _) => Task.FromResult(new byte[] { 0x08, 0x01 }));
        engine._server = await GrpcServer.StartAsync(services, ct).ConfigureAwait(false);
        return engine;
    }

    /// <summary>A snapshot of everything logged so far, in arrival order.</summary>
    public IReadOnlyList<LogEntry> Logs
    {
        get
        {
            lock (_gate)
                return _logs.ToArray();
        }
    }

    /// <summary>Entries logged after position <paramref name="start"/> (see <see cref="Count"/>), to slice one run's logs.</summary>
    public IReadOnlyList<LogEntry> LogsSince(int start)
    {
        lock (_gate)
            return _logs.Skip(start).ToArray();
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _logs.Count;
        }
    }

    private Empty Record(LogRequest request)
    {
        var entry = new LogEntry(request.Severity, request.Message, request.Urn, request.Ephemeral, request.StreamId, DateTimeOffset.UtcNow);
        lock (_gate)
            _logs.Add(entry);
        Logged?.Invoke(entry);
        return new Empty();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync().ConfigureAwait(false);
    }
}
