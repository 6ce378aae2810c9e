using Grpc.Core;
using Grpc.Net.Client;
using Mvm.Protocol.Wire;

namespace Mvm.Protocol;

/// <summary>
/// Client for pulumirpc.Engine/Log on the engine's address. Ephemeral messages are status lines
/// (progress) that the engine shows while a step runs and drops afterwards.
/// Logging must never fail an operation, so transport errors go to stderr only.
/// </summary>
public sealed class EngineLog : IDisposable
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    private readonly Action<string> _stderr;
    private readonly Lock _gate = new();
    // Every channel made, so Dispose closes them all; the address changes at most at Handshake or Attach.
    private readonly List<GrpcChannel> _channels = [];
    private volatile string? _address;
    private (string Address, Engine.EngineClient Client)? _client;
    private bool _disposed;

    public EngineLog(string? engineAddress, Action<string> stderr)
    {
        _stderr = stderr;
        _address = engineAddress;
    }

    public string? Address
    {
        get => _address;
        set => _address = value;
    }

    public Task DebugAsync(string message, string? urn = null) => SendAsync(LogSeverity.Debug, message, urn, false);
    public Task InfoAsync(string message, string? urn = null) => SendAsync(LogSeverity.Info, message, urn, false);
    public Task WarningAsync(string message, string? urn = null) => SendAsync(LogSeverity.Warning, message, urn, false);
    public Task ErrorAsync(string message, string? urn = null) => SendAsync(LogSeverity.Error, message, urn, false);

    /// <summary>A progress line shown in the engine's Info column while the step runs.</summary>
    public Task StatusAsync(string message, string? urn = null) => SendAsync(LogSeverity.Info, message, urn, true);

    public async Task SendAsync(LogSeverity severity, string message, string? urn, bool ephemeral)
    {
        var address = _address;
        if (string.IsNullOrEmpty(address))
        {
            _stderr($"[{severity}] {message}");
            return;
        }
        var request = new LogRequest { Severity = severity, Message = message, Urn = urn ?? "", Ephemeral = ephemeral };
        try
        {
            using var call = ClientFor(address).LogAsync(request, deadline: DateTime.UtcNow + SendTimeout);
            await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            _stderr($"could not send log to engine at {address}: {e.StatusCode}: {e.Status.Detail}; " +
                $"message was: {message}");
        }
        catch (ObjectDisposedException)
        {
            _stderr($"[{severity}] {message}"); // the plugin is shutting down
        }
    }

    private Engine.EngineClient ClientFor(string address)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { } c && c.Address == address) return c.Client;
            // The engine listens on cleartext HTTP/2 (prior knowledge), which the client speaks for http://.
            var channel = GrpcChannel.ForAddress("http://" + address);
            _channels.Add(channel);
            var client = new Engine.EngineClient(channel);
            _client = (address, client);
            return client;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var channel in _channels) channel.Dispose();
            _channels.Clear();
        }
    }
}
