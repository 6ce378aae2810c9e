using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Mvm.Protocol.Wire;

namespace Mvm.Protocol;

/// <summary>
/// Client for pulumirpc.Engine/Log on the engine's address. Ephemeral messages are status lines
/// (progress) that the engine shows while a step runs and drops afterwards.
/// Logging must never fail an operation, so transport errors go to stderr only.
/// </summary>
public sealed class EngineLog : IDisposable
{
    private readonly HttpClient _http;
    private readonly Action<string> _stderr;
    private volatile string? _address;

    public EngineLog(string? engineAddress, Action<string> stderr)
    {
        _stderr = stderr;
        _address = engineAddress;
        _http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
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
            using var content = new ByteArrayContent(GrpcFraming.Frame(request.ToByteArray()));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            // The client's default version applies only to its helper methods; a hand-built request must say h2c
            // itself.
            using var httpRequest = new HttpRequestMessage(HttpMethod.Post, $"http://{address}/pulumirpc.Engine/Log")
            {
                Content = content,
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            httpRequest.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
            using var response = await _http.SendAsync(httpRequest).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var v) ? v.FirstOrDefault()
                : response.Headers.TryGetValues("grpc-status", out var h) ? h.FirstOrDefault() : null;
            if (!response.IsSuccessStatusCode)
                _stderr($"engine Log answered HTTP {(int)response.StatusCode}: {message}");
            else if (status != "0") _stderr($"engine Log returned grpc-status {status ?? "(none)"}: {message}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            _stderr($"could not send log to engine at {address}: {e.Message}; message was: {message}");
        }
    }

    public void Dispose() => _http.Dispose();
}
