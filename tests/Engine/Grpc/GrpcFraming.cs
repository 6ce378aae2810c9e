using System.Buffers.Binary;

namespace Mvm.EngineHarness.Grpc;

/// <summary>
/// gRPC length-prefixed message framing: 1 byte compressed flag, 4-byte big-endian length, payload.
/// Written by hand because no gRPC library is available; strict so malformed provider output is caught.
/// </summary>
public static class GrpcFraming
{
    /// <summary>The engine's receive limit (grpc-go MaxCallRecvMsgSize = 400 MiB).</summary>
    public const int MaxMessageBytes = 400 * 1024 * 1024;

    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = 0; // never compressed: we negotiate no grpc-encoding
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1, 4), (uint)message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>
    /// Splits a body into its messages. Throws <see cref="GrpcFramingException"/> on a truncated frame,
    /// a compressed frame (no encoding was negotiated) or a frame over <paramref name="maxMessageBytes"/>.
    /// </summary>
    public static IReadOnlyList<byte[]> Unframe(ReadOnlySpan<byte> body, int maxMessageBytes = MaxMessageBytes)
    {
        var messages = new List<byte[]>();
        var offset = 0;
        while (offset < body.Length)
        {
            if (body.Length - offset < 5)
                throw new GrpcFramingException($"truncated gRPC frame header: {body.Length - offset} byte(s) left, 5 needed");
            var flag = body[offset];
            if (flag != 0)
                throw new GrpcFramingException($"compressed gRPC frame (flag {flag}) but no grpc-encoding was negotiated");
            var length = BinaryPrimitives.ReadUInt32BigEndian(body.Slice(offset + 1, 4));
            if (length > (uint)maxMessageBytes)
                throw new GrpcFramingException($"gRPC message of {length} bytes exceeds the limit of {maxMessageBytes}", GrpcStatusCode.ResourceExhausted);
            if (body.Length - offset - 5 < length)
                throw new GrpcFramingException($"truncated gRPC frame: header says {length} bytes, {body.Length - offset - 5} present");
            messages.Add(body.Slice(offset + 5, (int)length).ToArray());
            offset += 5 + (int)length;
        }
        return messages;
    }

    /// <summary>A unary call carries exactly one message; anything else is a protocol error.</summary>
    public static byte[] UnframeSingle(ReadOnlySpan<byte> body, int maxMessageBytes = MaxMessageBytes)
    {
        var messages = Unframe(body, maxMessageBytes);
        if (messages.Count != 1)
            throw new GrpcFramingException($"expected exactly one gRPC message in a unary body, found {messages.Count}");
        return messages[0];
    }
}

public sealed class GrpcFramingException(string message, GrpcStatusCode code = GrpcStatusCode.Internal) : Exception(message)
{
    public GrpcStatusCode Code { get; } = code;
}
