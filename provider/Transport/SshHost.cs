using System.Diagnostics;
using Mvm.Core;

namespace Mvm.Transport;

/// <summary>
/// A host reached over SSH in-process (SSH.NET). The first command opens one connection
/// (through the jump hosts, host keys verified, authenticated once); every command after that is
/// a channel on it, so a command costs one round trip, not a TCP and SSH handshake. Callers that
/// ask at once share the one connection attempt. Obtain instances from
/// <see cref="SshTransport.Host"/>, which owns their lifetime.
/// </summary>
public sealed partial class SshHost : IHost
{
    private readonly SshTransport _transport;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly object _gate = new();
    private SshConnection? _connection;
    private List<SshCredentials>? _credentials;
    private int _connectCount;
    private bool _closed;
    private IReadOnlyDictionary<string, string> _learned = new Dictionary<string, string>();

    internal SshHost(SshTransport transport, SshTarget target)
    {
        _transport = transport;
        Target = target;
        _slots = new SemaphoreSlim(Math.Max(1, transport.Options.MaxConcurrentCommandsPerHost));
    }

    public string Name => Target.Name;
    public SshTarget Target { get; }

    /// <summary>True while the connection (and every hop under it) is up.</summary>
    public bool IsConnected => Volatile.Read(ref _connection) is { IsConnected: true };

    /// <summary>
    /// How many connections this host has opened (1 unless the connection was lost and reopened).
    /// </summary>
    public int ConnectCount => Volatile.Read(ref _connectCount);

    /// <summary>
    /// Host keys recorded by trust-on-first-use, by known_hosts name (`addr` or `[addr]:port`) →
    /// `type base64`; includes jump hosts. Empty unless trustOnFirstUse is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> LearnedHostKeys => _learned;

    /// <summary>
    /// The target's key learnt by trust-on-first-use (`ssh-ed25519 AAAA…`), to report as an output and pin later.
    /// </summary>
    public string? LearnedHostKey => _learned.GetValueOrDefault(KnownHosts.LookupName(Target.Address, Target.Port));

    /// <summary>Opens the connection now (it is otherwise opened by the first command).</summary>
    public Task ConnectAsync(CancellationToken ct) => ConnectionAsync(ct);

    private async Task<SshConnection> ConnectionAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (Volatile.Read(ref _connection) is { IsConnected: true } up) return up;
        await _connectLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_connection is { IsConnected: true } current) return current;
            // A connection that dropped is closed before the next one opens: nothing stays half-open.
            Interlocked.Exchange(ref _connection, null)?.Dispose();
            var opened = await EstablishAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (_closed)
                {
                    opened.Dispose();
                    throw new ObjectDisposedException(nameof(SshHost));
                }
                _connection = opened;
            }
            Interlocked.Increment(ref _connectCount);
            if (opened.Learned.Count > 0)
                _learned = new Dictionary<string, string>(_learned.Concat(opened.Learned)
                    .GroupBy(p => p.Key).Select(g => g.Last()));
            return opened;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<SshConnection> EstablishAsync(CancellationToken ct)
    {
        var options = _transport.Options;
        var attempts = Math.Max(1, options.ConnectAttempts);
        var delay = options.RetryDelay;
        var clock = Stopwatch.StartNew();
        var credentials = Credentials();
        for (var attempt = 1; ; attempt++)
        {
            var chain = Chain(credentials);
            // Each hop and the target each get a full connect timeout, plus time to authenticate.
            var budget = Target.ConnectTimeout * (Target.JumpHosts.Count + 1) + TimeSpan.FromSeconds(15);
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attemptCts.CancelAfter(budget);
            Failure failure;
            try
            {
                return await SshConnection.OpenAsync(chain, Target.ConnectTimeout, options.KeepAliveInterval,
                    attemptCts.Token).ConfigureAwait(false);
            }
            catch (SshConnection.ChainFailure f)
            {
                failure = new Failure(f.Index < Target.JumpHosts.Count ? f.Index : -1, f.Failure,
                    f.Index < chain.Count ? chain[f.Index].Verifier : null);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = new Failure(-1,
                    new SshFailure(SshFailureKind.Unreachable, $"no answer within {Durations.Format(budget)}"), null);
            }
            if (!failure.What.Transient || attempt >= attempts)
                throw ToException(failure, attempt, clock.Elapsed);
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    /// <summary>The login of each hop, then of the target; keys are parsed once per host.</summary>
    private List<SshCredentials> Credentials()
    {
        if (_credentials is { } known) return known;
        var t = Target;
        var list = new List<SshCredentials>();
        foreach (var h in t.JumpHosts)
            // A jump host never gets the target's password, nor the agent unless the target uses it.
            list.Add(new SshCredentials(h.User, h.PrivateKey, h.PrivateKeyFile, h.PrivateKeyPassphrase, null,
                t.AgentSocket, t.UseAgent, $"jump host {h.Address}"));
        list.Add(new SshCredentials(t.User, t.PrivateKey, t.PrivateKeyFile, t.PrivateKeyPassphrase, t.Password,
            t.AgentSocket, t.UseAgent, Name));
        return _credentials = list;
    }

    /// <summary>
    /// The endpoints with fresh verifiers; known_hosts text and file are read on every connect, so
    /// an edited file counts from the next connection on.
    /// </summary>
    private List<SshConnection.Endpoint> Chain(List<SshCredentials> credentials)
    {
        var t = Target;
        var known = t.KnownHosts is { } content ? content.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n" : "";
        if (t.KnownHostsFile is { } path)
        {
            try
            {
                known += File.ReadAllText(path) + "\n";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"knownHostsFile {path} cannot be read: {e.Message}");
            }
        }
        var chain = new List<SshConnection.Endpoint>();
        for (var i = 0; i < t.JumpHosts.Count; i++)
        {
            var h = t.JumpHosts[i];
            chain.Add(new SshConnection.Endpoint(h.Address, h.Port, credentials[i],
                new HostKeyVerifier(h.Address, h.Port, h.PinnedHostKeys, known, t.TrustOnFirstUse)));
        }
        chain.Add(new SshConnection.Endpoint(t.Address, t.Port, credentials[^1],
            new HostKeyVerifier(t.Address, t.Port, t.PinnedHostKeys, known, t.TrustOnFirstUse)));
        return chain;
    }

    /// <summary>Closes the connection (and every hop), waiting for nothing but the sockets.</summary>
    internal Task CloseAsync()
    {
        CloseNow();
        return Task.CompletedTask;
    }

    /// <summary>Closes the connection at once; commands still running fail as lost.</summary>
    internal void CloseNow()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
        }
        Interlocked.Exchange(ref _connection, null)?.Dispose();
        foreach (var c in Interlocked.Exchange(ref _credentials, null) ?? []) c.Dispose();
    }

    private string Scrub(string text) => _transport.Secrets.Scrub(text);

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..297] + "...";
}
