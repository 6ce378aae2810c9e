using System.Buffers.Binary;

namespace Mvm.Protocol;

/// <summary>
/// The gRPC length-prefixed message: 1 flag byte (0 = uncompressed), 4-byte big-endian length, payload.
/// Unary calls carry exactly one frame; anything else is a protocol error answered with a status.
/// </summary>
public static class GrpcFraming
{
    public const int HeaderSize = 5;

    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var framed = new byte[HeaderSize + payload.Length];
        framed[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1, 4), (uint)payload.Length);
        payload.CopyTo(framed.AsSpan(HeaderSize));
        return framed;
    }

    /// <summary>Extracts the single message of a unary request body.</summary>
    public static ReadOnlyMemory<byte> ReadUnary(ReadOnlyMemory<byte> body)
    {
        if (body.Length < HeaderSize)
            throw new RpcException(GrpcStatusCode.Internal,
                $"malformed gRPC request: body of {body.Length} bytes is shorter than the 5-byte message header");
        var span = body.Span;
        if (span[0] == 1)
            throw new RpcException(GrpcStatusCode.Unimplemented,
                "compressed gRPC messages are not supported (no grpc-encoding was negotiated)");
        if (span[0] != 0)
            throw new RpcException(GrpcStatusCode.Internal,
                $"malformed gRPC request: invalid compressed-flag byte {span[0]}");
        var length = BinaryPrimitives.ReadUInt32BigEndian(span.Slice(1, 4));
        if (length != (ulong)(body.Length - HeaderSize))
            throw new RpcException(GrpcStatusCode.Internal,
                $"malformed gRPC request: header announces {length} bytes but {body.Length - HeaderSize} follow " +
                "(a unary call carries exactly one message)");
        return body.Slice(HeaderSize);
    }
}
