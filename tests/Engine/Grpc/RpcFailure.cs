using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RpcStatus = Mvm.Protocol.Wire.Rpc.Status;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Grpc;

/// <summary>
/// A failed gRPC call as the engine sees it: status code, the decoded grpc-message, and the
/// google.rpc.Status from grpc-status-details-bin (if any). Thrown by ProviderClient; thrown by
/// GrpcServer handlers to send an error.
/// </summary>
public sealed class RpcFailure : Exception
{
    public const string InitFailedTypeUrl = "type.googleapis.com/pulumirpc.ErrorResourceInitFailed";
    public const string MissingKeysTypeUrl = "type.googleapis.com/pulumirpc.ConfigureErrorMissingKeys";

    public RpcFailure(GrpcStatusCode code, string message, RpcStatus? details = null, string? method = null)
        : base(Describe(code, message, method))
    {
        Code = code;
        StatusMessage = message;
        Details = details;
        Method = method;
    }

    public GrpcStatusCode Code { get; }

    /// <summary>The grpc-message text after percent-decoding (what a Pulumi user sees).</summary>
    public string StatusMessage { get; }

    /// <summary>google.rpc.Status decoded from grpc-status-details-bin, or null when absent.</summary>
    public RpcStatus? Details { get; }

    /// <summary>The RPC path, e.g. /pulumirpc.ResourceProvider/Create (client side only).</summary>
    public string? Method { get; }

    /// <summary>Response trailers and headers as received (client side only), for protocol assertions.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The engine maps INTERNAL, DATA_LOSS and UNKNOWN to "resource status unknown" (doc §4).</summary>
    public bool MaybeCorrupt => Code is GrpcStatusCode.Internal or GrpcStatusCode.DataLoss or GrpcStatusCode.Unknown;

    public ErrorResourceInitFailed? InitFailed => Unpack(InitFailedTypeUrl, ErrorResourceInitFailed.Parser);

    public ConfigureErrorMissingKeys? MissingKeys => Unpack(MissingKeysTypeUrl, ConfigureErrorMissingKeys.Parser);

    /// <summary>Builds a failure whose details carry <paramref name="detail"/> packed as an Any (server side, fakes).</summary>
    public static RpcFailure WithDetail(GrpcStatusCode code, string message, IMessage detail)
    {
        var status = new RpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(detail));
        return new RpcFailure(code, message, status);
    }

    private T? Unpack<T>(string typeUrl, MessageParser<T> parser) where T : class, IMessage<T>
    {
        if (Details is null)
            return null;
        foreach (var any in Details.Details)
        {
            if (any.TypeUrl == typeUrl)
                return parser.ParseFrom(any.Value);
        }
        return null;
    }

    private static string Describe(GrpcStatusCode code, string message, string? method)
        => method is null ? $"{code} ({(int)code}): {message}" : $"{method}: {code} ({(int)code}): {message}";
}
