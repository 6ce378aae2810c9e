using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mvm.Transport;

/// <summary>
/// One authenticated SSH connection to a target, through its jump hosts if it has any: each hop
/// is its own SSH connection, reached through a local port that the hop before it forwards
/// (127.0.0.1 only), and each hop's host key is verified like the target's. Commands open
/// channels on <see cref="Client"/>. Disposing closes every connection of the chain.
/// </summary>
internal sealed partial class SshConnection : IDisposable
{
    private static readonly TimeSpan ChannelWait = TimeSpan.FromMinutes(10);
    private readonly List<SshClient> _clients = [];
    private readonly List<ForwardedPortLocal> _ports = [];

    private SshConnection()
    {
    }

    /// <summary>The connection to the target itself (the last of the chain).</summary>
    public SshClient Client => _clients[^1];

    /// <summary>Keys learnt by trust-on-first-use on this connection, by known_hosts name.</summary>
    public Dictionary<string, string> Learned { get; } = new(StringComparer.Ordinal);

    public bool IsConnected
    {
        get
        {
            try
            {
                return _clients.Count > 0 && _clients.All(c => c.IsConnected);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>One endpoint of the chain: where it is, how to log in, how to check its key.</summary>
    public sealed record Endpoint(string Address, int Port, SshCredentials Credentials, HostKeyVerifier Verifier);

    /// <summary>
    /// Connects hop after hop, then the target. A failure names which endpoint failed (index into
    /// <paramref name="chain"/>) so the caller can say who; nothing is left open after one.
    /// </summary>
    public static async Task<SshConnection> OpenAsync(IReadOnlyList<Endpoint> chain, TimeSpan connectTimeout,
        TimeSpan keepAlive, CancellationToken ct)
    {
        var connection = new SshConnection();
        try
        {
            for (var i = 0; i < chain.Count; i++)
            {
                var e = chain[i];
                // The first endpoint is dialled directly, the others through the hop before them.
                var (host, port) = i == 0 ? (e.Address, e.Port) : ("127.0.0.1", (int)connection._ports[^1].BoundPort);
                var info = new ConnectionInfo(host, port, e.Credentials.User, [.. e.Credentials.Methods])
                {
                    Timeout = connectTimeout,
                    Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                    // sshd's own default (MaxSessions 10); the host's slots keep commands below it.
                    MaxSessions = 10,
                };
                e.Verifier.Reset();
                e.Verifier.Restrict(info);
                var client = new SshClient(info) { KeepAliveInterval = keepAlive };
                client.HostKeyReceived += e.Verifier.Check;
                connection._clients.Add(client);
                try
                {
                    await client.ConnectAsync(ct).ConfigureAwait(false);
                }
                // An unusable key (ArgumentException) is a configuration error, reported as itself.
                catch (Exception x) when (x is not ArgumentException
                                          && (x is not OperationCanceledException || !ct.IsCancellationRequested))
                {
                    throw new ChainFailure(i, Classify(x, e.Verifier, i > 0, connectTimeout), x);
                }
                // Connected, the timeout bounds SSH.NET's own waits (a channel's reply, room in the
                // host's window for stdin): a host slow to consume an upload is not a dead one, and
                // each command has its own timeout.
                info.Timeout = ChannelWait > connectTimeout ? ChannelWait : connectTimeout;
                if (e.Verifier.Learned is { } learned) connection.Learned[KnownHosts.LookupName(e.Address, e.Port)] =
                    learned;
                if (i + 1 < chain.Count)
                {
                    var next = chain[i + 1];
                    var forward = new ForwardedPortLocal("127.0.0.1", 0, next.Address, (uint)next.Port);
                    client.AddForwardedPort(forward);
                    forward.Start();
                    connection._ports.Add(forward);
                }
            }
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the chain from the target back to the first hop.</summary>
    public void Dispose()
    {
        for (var i = _clients.Count - 1; i >= 0; i--)
        {
            try
            {
                if (i < _ports.Count) _ports[i].Stop();
            }
            catch (Exception e) when (e is ObjectDisposedException or SshException or SocketException)
            {
            }
            try
            {
                _clients[i].Dispose();
            }
            catch (Exception e) when (e is ObjectDisposedException or SshException or SocketException)
            {
            }
        }
        _clients.Clear();
        _ports.Clear();
    }

    /// <summary>Endpoint <see cref="Index"/> of the chain could not be connected to or logged in to.</summary>
    internal sealed class ChainFailure(int index, SshFailure failure, Exception inner)
        : Exception(failure.Detail, inner)
    {
        public int Index { get; } = index;
        public SshFailure Failure { get; } = failure;
    }
}
