using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// The client side of the ssh-agent protocol (draft-miller-ssh-agent) over the agent's unix
/// socket: list the keys it holds, and have it sign with one. The private keys never leave the
/// agent. One short connection per request, as ssh itself does; the socket is the user's own.
/// </summary>
internal static class SshAgentClient
{
    private const byte Failure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;

    /// <summary>Flags of a sign request: which hash an `ssh-rsa` key signs with.</summary>
    public const uint RsaSha2256 = 2;
    public const uint RsaSha2512 = 4;

    // An agent message is small; anything claiming more is not an agent.
    private const int MaxMessage = 256 * 1024;

    /// <summary>The public key blobs (and comments) the agent offers.</summary>
    public static IReadOnlyList<(byte[] Blob, string Comment)> ListKeys(string socket)
    {
        var reply = Request(socket, [RequestIdentities]);
        if (reply.Length == 0 || reply[0] != IdentitiesAnswer)
            throw new IOException($"the SSH agent at {socket} refused to list its keys");
        var at = 1;
        var count = ReadUInt32(reply, ref at);
        var keys = new List<(byte[], string)>();
        for (var i = 0; i < count; i++)
        {
            var blob = ReadString(reply, ref at);
            var comment = Encoding.UTF8.GetString(ReadString(reply, ref at));
            keys.Add((blob, comment));
        }
        return keys;
    }

    /// <summary>The agent's signature blob (`string algorithm, string signature`) over data.</summary>
    public static byte[] Sign(string socket, byte[] keyBlob, byte[] data, uint flags)
    {
        var message = new MemoryStream();
        message.WriteByte(SignRequest);
        WriteString(message, keyBlob);
        WriteString(message, data);
        WriteUInt32(message, flags);
        var reply = Request(socket, message.ToArray());
        if (reply.Length > 0 && reply[0] == SignResponse)
        {
            var at = 1;
            return ReadString(reply, ref at);
        }
        throw new IOException(reply.Length > 0 && reply[0] == Failure
            ? $"the SSH agent at {socket} refused to sign (the key may need confirmation or be locked)"
            : $"the SSH agent at {socket} answered a sign request with message {(reply.Length > 0 ? reply[0] : -1)}");
    }

    private static byte[] Request(string socket, byte[] body)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.ReceiveTimeout = 10_000;
        s.SendTimeout = 10_000;
        s.Connect(new UnixDomainSocketEndPoint(socket));
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        s.Send(frame);
        var header = ReceiveExactly(s, 4);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is 0 or > MaxMessage) throw new IOException($"the SSH agent at {socket} sent a malformed reply");
        return ReceiveExactly(s, (int)length);
    }

    private static byte[] ReceiveExactly(Socket s, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = s.Receive(buffer, got, count - got, SocketFlags.None);
            if (n == 0) throw new IOException("the SSH agent closed the connection mid-reply");
            got += n;
        }
        return buffer;
    }

    private static uint ReadUInt32(byte[] data, ref int at)
    {
        if (at + 4 > data.Length) throw new IOException("the SSH agent's reply is truncated");
        var v = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
        at += 4;
        return v;
    }

    private static byte[] ReadString(byte[] data, ref int at)
    {
        var length = ReadUInt32(data, ref at);
        if (length > (uint)(data.Length - at)) throw new IOException("the SSH agent's reply is truncated");
        var s = data.AsSpan(at, (int)length).ToArray();
        at += (int)length;
        return s;
    }

    private static void WriteUInt32(Stream to, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        to.Write(b);
    }

    private static void WriteString(Stream to, byte[] value)
    {
        WriteUInt32(to, (uint)value.Length);
        to.Write(value);
    }
}
