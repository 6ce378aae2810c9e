using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Mvm.Protocol;

/// <summary>
/// Errors that leave the server as a gRPC status. Details (ErrorResourceInitFailed, ConfigureErrorMissingKeys)
/// travel in grpc-status-details-bin as a google.rpc.Status; its code must equal grpc-status (grpc-go rejects a
/// mismatch), so both come from the one code given here.
/// </summary>
public static class RpcErrors
{
    public const string DetailsTrailer = "grpc-status-details-bin";

    public static RpcException Of(StatusCode code, string message, params IMessage[] details)
    {
        var status = new Status(code, message);
        if (details.Length == 0) return new RpcException(status, message);
        var packed = new Wire.Rpc.Status { Code = (int)code, Message = message };
        foreach (var d in details) packed.Details.Add(Any.Pack(d, "type.googleapis.com"));
        // A "-bin" key carries raw bytes; the server base64-encodes them on the wire.
        return new RpcException(status, new Metadata { { DetailsTrailer, packed.ToByteArray() } }, message);
    }
}
