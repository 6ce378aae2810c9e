using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mvm.Tests.Protocol.Support;

/// <summary>
/// A loopback TCP listener standing in for a host's sshd: it counts connections, optionally sends an SSH
/// identification line, and records the identification line each client sends, so a test can prove whether
/// (and when) the plugin contacted a host, and that it was a real SSH client that did.
/// </summary>
/// <remarks>
/// It speaks no more SSH than the identification exchange. By default it then holds the connection open, so a
/// real SSH client waits in key exchange (a host that hangs). With <c>closeAfterIdentification</c> it
/// drops the connection right after reading the client's line, so the client fails its handshake at once
/// ("Connection reset/closed by … port …"): a host whose sshd answers but cannot complete a handshake.
/// </remarks>
public sealed class FakeSshServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly string? _banner;
    private readonly bool _closeAfterIdentification;
    private readonly List<TcpClient> _clients = [];
    private readonly List<Task> _handlers = [];
    private readonly List<string> _identifications = [];
    private int _connections;

    public FakeSshServer(string? banner = "SSH-2.0-test\r\n", bool closeAfterIdentification = false, IPAddress? address = null, int port = 0)
    {
        _banner = banner;
        _closeAfterIdentification = closeAfterIdentification;
        _listener = new TcpListener(address ?? IPAddress.Loopback, port);
        _listener.Start();
        Host = ((IPEndPoint)_listener.LocalEndpoint).Address.ToString();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>
    /// One server on each of 127.0.0.1 … 127.0.0.<paramref name="count"/>, all on the same port, for programs
    /// whose hosts differ only by address and share the provider's sshPort. Retries with another port when one
    /// of the addresses has it taken.
    /// </summary>
    public static async Task<IReadOnlyList<FakeSshServer>> OnLoopbacksAsync(int count, bool closeAfterIdentification = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var servers = new List<FakeSshServer> { new(closeAfterIdentification: closeAfterIdentification) };
            try
            {
                for (var i = 2; i <= count; i++)
                    servers.Add(new FakeSshServer(closeAfterIdentification: closeAfterIdentification, address: IPAddress.Parse($"127.0.0.{i}"), port: servers[0].Port));
                return servers;
            }
            catch (SocketException) when (attempt < 5)
            {
                foreach (var s in servers)
                    await s.DisposeAsync();
            }
        }
    }

    public string Host { get; }

    public int Port { get; }

    public string Address => $"{Host}:{Port}";

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The identification lines clients sent (e.g. "SSH-2.0-OpenSSH_9.2p1 …"), in arrival order.</summary>
    public IReadOnlyList<string> ClientIdentifications
    {
        get
        {
            lock (_identifications)
                return [.. _identifications];
        }
    }

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
            {
                _clients.Add(client);
                _handlers.Add(Task.Run(() => ServeAsync(client)));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            if (_banner is not null)
                await stream.WriteAsync(Encoding.ASCII.GetBytes(_banner), _stop.Token);
            // RFC 4253 §4.2: the client's identification is one line of at most 255 bytes ending in CR LF.
            var line = new List<byte>();
            var one = new byte[1];
            while (line.Count < 255 && await stream.ReadAsync(one, _stop.Token) == 1 && one[0] != (byte)'\n')
                line.Add(one[0]);
            if (line.Count > 0)
            {
                lock (_identifications)
                    _identifications.Add(Encoding.ASCII.GetString([.. line]).TrimEnd('\r'));
            }
            if (_closeAfterIdentification)
                client.Dispose();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
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
        Task[] handlers;
        lock (_clients)
        {
            foreach (var c in _clients)
                c.Dispose();
            handlers = [.. _handlers];
        }
        await Task.WhenAll(handlers);
        _stop.Dispose();
    }
}
