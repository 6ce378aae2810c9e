using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using RpcStatus = Mvm.Protocol.Wire.Rpc.Status;

namespace Mvm.EngineHarness.Grpc;

/// <summary>
/// Unary gRPC over cleartext HTTP/2 with prior knowledge (h2c), the way the engine's grpc-go client talks to a
/// plugin: POST /pkg.Service/Method, application/grpc, te: trailers, one framed message each way, status in
/// trailers. Interpretation is as strict as grpc-go so a provider that grpc-go would reject fails here too.
/// </summary>
public sealed class GrpcUnaryClient : IDisposable
{
    private readonly HttpClient _http;

    public GrpcUnaryClient(string address)
    {
        BaseAddress = ParseAddress(address);
        var handler = new SocketsHttpHandler
        {
            // Steps run concurrently in a real engine; allow more than one connection's worth of streams.
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10), // pluginRPCConnectionTimeout
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = BaseAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // The engine sets no deadlines (doc §8); callers pass a CancellationToken when they want one.
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = GrpcFraming.MaxMessageBytes + 5L,
        };
    }

    public Uri BaseAddress { get; }

    /// <summary>Accepts "127.0.0.1:PORT" (what the engine and plugins exchange) or a full http:// URI.</summary>
    public static Uri ParseAddress(string address)
    {
        var text = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    public async Task<TResponse> CallAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser, CancellationToken ct = default)
        where TResponse : IMessage<TResponse>
    {
        var raw = await SendRawAsync(path, GrpcFraming.Frame(request.ToByteArray()), ct).ConfigureAwait(false);
        var payload = Interpret(path, raw);
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcFailure(GrpcStatusCode.Internal, $"grpc: failed to unmarshal the received message: {e.Message}", method: path);
        }
    }

    /// <summary>Sends <paramref name="body"/> as-is (already framed, or deliberately malformed) and reports what came back.</summary>
    public async Task<RawRpcResult> SendRawAsync(string path, byte[] body, CancellationToken ct = default, string contentType = "application/grpc")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/'))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("user-agent", "grpc-go/1.0 (mvm-engine test harness)");

        var watch = Stopwatch.StartNew();
        HttpResponseMessage response;
        byte[] responseBody;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            responseBody = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // Connection refused/reset: grpc-go reports UNAVAILABLE (the engine retries Handshake on it).
            throw new RpcFailure(GrpcStatusCode.Unavailable, $"connection error: {e.Message}", method: path);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new RpcFailure(GrpcStatusCode.Cancelled, "context canceled", method: path);
        }
        using (response)
        {
            var headers = Collect(response.Headers.Concat(response.Content.Headers));
            var trailers = Collect(response.TrailingHeaders);
            var trailersOnly = !trailers.ContainsKey("grpc-status") && headers.ContainsKey("grpc-status");
            var statusSource = trailersOnly ? headers : trailers;

            GrpcStatusCode? status = null;
            if (statusSource.TryGetValue("grpc-status", out var statusText) && int.TryParse(statusText, out var code))
                status = (GrpcStatusCode)code;
            string? message = statusSource.TryGetValue("grpc-message", out var m) ? GrpcMessageEncoding.Decode(m) : null;

            RpcStatus? details = null;
            string? detailsError = null;
            if (statusSource.TryGetValue("grpc-status-details-bin", out var bin))
            {
                try
                {
                    details = RpcStatus.Parser.ParseFrom(DecodeBinHeader(bin));
                }
                catch (Exception e) when (e is FormatException or InvalidProtocolBufferException)
                {
                    detailsError = e.Message;
                }
            }

            return new RawRpcResult
            {
                HttpStatus = (int)response.StatusCode,
                GrpcStatus = status,
                GrpcMessage = message,
                Details = details,
                DetailsError = detailsError,
                ContentType = response.Content.Headers.ContentType?.ToString(),
                TrailersOnly = trailersOnly,
                Body = responseBody,
                Headers = headers,
                Trailers = trailers,
                Elapsed = watch.Elapsed,
            };
        }
    }

    /// <summary>Turns a raw result into the single response payload, or throws RpcFailure the way grpc-go would.</summary>
    public static byte[] Interpret(string path, RawRpcResult raw)
    {
        var metadata = raw.Headers.Concat(raw.Trailers).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        if (raw.HttpStatus != 200)
            throw new RpcFailure(HttpStatusToGrpc(raw.HttpStatus), $"unexpected HTTP status code received from server: {raw.HttpStatus}", method: path) { Metadata = metadata };
        if (!raw.HasGrpcContentType)
            throw new RpcFailure(GrpcStatusCode.Internal, $"malformed header: missing HTTP content-type (got '{raw.ContentType ?? "<none>"}')", method: path) { Metadata = metadata };
        if (raw.GrpcStatus is null)
            throw new RpcFailure(GrpcStatusCode.Internal, "server closed the stream without sending trailers (no grpc-status)", method: path) { Metadata = metadata };

        if (raw.GrpcStatus != GrpcStatusCode.Ok)
        {
            if (raw.DetailsError is not null)
                throw new RpcFailure(GrpcStatusCode.Internal, $"transport: malformed grpc-status-details-bin: {raw.DetailsError}", method: path) { Metadata = metadata };
            if (raw.Details is not null && raw.Details.Code != (int)raw.GrpcStatus)
            {
                // grpc-go NewWithProto: the details' code must match the header (protocol doc §4 pitfall).
                throw new RpcFailure(GrpcStatusCode.Internal,
                    $"grpc-status-details-bin mismatch: grpc-status={(int)raw.GrpcStatus}, grpc-message=\"{raw.GrpcMessage}\", grpc-status-details-bin={raw.Details}",
                    method: path) { Metadata = metadata };
            }
            // With details present, grpc-go shows the details' message.
            var text = raw.Details?.Message is { Length: > 0 } dm ? dm : raw.GrpcMessage ?? "";
            throw new RpcFailure(raw.GrpcStatus.Value, text, raw.Details, path) { Metadata = metadata };
        }

        try
        {
            return GrpcFraming.UnframeSingle(raw.Body);
        }
        catch (GrpcFramingException e)
        {
            throw new RpcFailure(e.Code, e.Message, method: path) { Metadata = metadata };
        }
    }

    /// <summary>grpc-go decodeBinHeader: standard base64, padded or not.</summary>
    public static byte[] DecodeBinHeader(string value)
    {
        var v = value.Trim();
        if (v.Length % 4 != 0)
            v = v.PadRight(v.Length + (4 - v.Length % 4), '=');
        return Convert.FromBase64String(v);
    }

    // gRPC's HTTP-to-gRPC status mapping (doc/http-grpc-status-mapping.md).
    private static GrpcStatusCode HttpStatusToGrpc(int http) => http switch
    {
        400 => GrpcStatusCode.Internal,
        401 => GrpcStatusCode.Unauthenticated,
        403 => GrpcStatusCode.PermissionDenied,
        404 => GrpcStatusCode.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    private static Dictionary<string, string> Collect(IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in headers)
            result[key.ToLowerInvariant()] = string.Join(",", values);
        return result;
    }

    public void Dispose() => _http.Dispose();
}
