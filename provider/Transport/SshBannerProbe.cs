using System.Net.Sockets;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// Opens a TCP connection to a host's SSH port and reads the server's identification line
/// ("SSH-2.0-…"). It proves the host is reachable and runs sshd before any real work, and it is
/// cancellable at every point, so an unreachable host costs at most the operation's timeout.
/// </summary>
public static class SshBannerProbe
{
    public static async Task<string> ProbeAsync(string address, int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address, port, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new HostUnreachableException(address, port, e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused: is sshd running and listening on that port?",
                SocketError.HostNotFound or SocketError.NoData => "the name does not resolve",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "no route to the host",
                _ => e.Message,
            });
        }
        var stream = client.GetStream();
        var line = new StringBuilder();
        var buffer = new byte[1];
        // Servers may send other lines before the identification string (RFC 4253 §4.2).
        while (line.Length < 8192)
        {
            var n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0) throw new HostUnreachableException(address, port,
                "the connection closed before the SSH identification line");
            if (buffer[0] == '\n')
            {
                var text = line.ToString().TrimEnd('\r');
                if (text.StartsWith("SSH-", StringComparison.Ordinal)) return text;
                line.Clear();
                continue;
            }
            line.Append((char)buffer[0]);
        }
        throw new HostUnreachableException(address, port, "the service on that port does not speak SSH");
    }
}

public sealed class HostUnreachableException(string address, int port, string reason)
    : Exception($"cannot reach SSH on {address}:{port}: {reason}")
{
    public string Address { get; } = address;
    public int Port { get; } = port;
}
