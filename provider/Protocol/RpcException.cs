using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Mvm.Protocol;

/// <summary>
/// An error that leaves the server as a gRPC status. Details travel in grpc-status-details-bin
/// as a google.rpc.Status whose code must equal grpc-status (grpc-go rejects a mismatch).
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(GrpcStatusCode code, string message, params IMessage[] details) : base(message)
    {
        Code = code;
        Details = details;
    }

    public GrpcStatusCode Code { get; }
    public IReadOnlyList<IMessage> Details { get; }

    public Wire.Rpc.Status ToStatus()
    {
        var status = new Wire.Rpc.Status { Code = (int)Code, Message = Message };
        foreach (var d in Details) status.Details.Add(Any.Pack(d, "type.googleapis.com"));
        return status;
    }
}
