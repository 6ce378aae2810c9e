using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mvm.Tests.Protocol.Support;

/// <summary>
/// A loopback TCP listener standing in for a host's sshd: it counts connections and optionally sends an SSH
/// identification line, so a test can prove whether (and when) the plugin contacted a host.
/// </summary>
public sealed class FakeSshServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly string? _banner;
    private readonly List<TcpClient> _clients = [];
    private int _connections;

    public FakeSshServer(string? banner = "SSH-2.0-test\r\n")
    {
        _banner = banner;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            lock (_clients)
                _clients.Add(client);
            if (_banner is not null)
            {
                try
                {
                    await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(_banner), _stop.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        lock (_clients)
        {
            foreach (var c in _clients)
                c.Dispose();
        }
        _stop.Dispose();
    }
}
