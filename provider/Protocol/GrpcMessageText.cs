using System.Text;

namespace Mvm.Protocol;

/// <summary>
/// grpc-message is percent-encoded UTF-8: bytes outside printable ASCII and '%' itself are escaped
/// (the rule grpc-go's decoder expects), so newlines and non-ASCII survive the trailer.
/// </summary>
public static class GrpcMessageText
{
    public static string Encode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b >= 0x20 && b <= 0x7E && b != (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    public static string Decode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length &&
                byte.TryParse(encoded.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(encoded[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
