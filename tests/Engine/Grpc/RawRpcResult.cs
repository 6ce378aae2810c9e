using RpcStatus = Mvm.Protocol.Wire.Rpc.Status;

namespace Mvm.EngineHarness.Grpc;

/// <summary>
/// Everything observed on the wire for one unary call, before interpretation. Used by malformed-frame and
/// error-shape tests that must see exactly what the provider sent (headers vs trailers, content-type...).
/// </summary>
public sealed record RawRpcResult
{
    public required int HttpStatus { get; init; }

    /// <summary>grpc-status from trailers, or from headers for a trailers-only response; null if absent.</summary>
    public GrpcStatusCode? GrpcStatus { get; init; }

    /// <summary>grpc-message, percent-decoded.</summary>
    public string? GrpcMessage { get; init; }

    /// <summary>grpc-status-details-bin decoded; null if absent. <see cref="DetailsError"/> says why decoding failed.</summary>
    public RpcStatus? Details { get; init; }

    public string? DetailsError { get; init; }

    /// <summary>content-type of the first HEADERS block.</summary>
    public string? ContentType { get; init; }

    /// <summary>True when grpc-status came in the first HEADERS block (no body, no separate trailers).</summary>
    public bool TrailersOnly { get; init; }

    public required byte[] Body { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required IReadOnlyDictionary<string, string> Trailers { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>grpc-go accepts application/grpc, application/grpc+x and application/grpc;x.</summary>
    public bool HasGrpcContentType =>
        ContentType is { } ct &&
        (ct == "application/grpc" || ct.StartsWith("application/grpc+", StringComparison.Ordinal) ||
         ct.StartsWith("application/grpc;", StringComparison.Ordinal));
}
