using System.Collections.Concurrent;
using Mvm.Core;

namespace Mvm.Transport;

/// <summary>
/// The provider process's SSH connections, in-process (SSH.NET; no `ssh` binary, no files): one
/// <see cref="SshHost"/> and so one connection per distinct target. Dispose it (or let the
/// process exit) to close every connection.
/// </summary>
/// <example>
/// <code>
/// await using var transport = new SshTransport(ctx.Secrets);
/// var host = transport.Host(SshTargetResolver.Resolve(ctx.Config, clusterHost, clusterHost.Name));
/// var r = await host.RunCheckedAsync(["ceph", "osd", "tree", "-f", "json"], TimeSpan.FromMinutes(1), ct);
/// </code>
/// </example>
public sealed class SshTransport : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, SshHost> _hosts = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _disposed;

    public SshTransport(SecretScrubber? secrets = null, SshTransportOptions? options = null)
    {
        Secrets = secrets ?? new SecretScrubber();
        Options = options ?? new SshTransportOptions();
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public SecretScrubber Secrets { get; }
    public SshTransportOptions Options { get; }

    /// <summary>The host for these settings; the same settings always give the same instance and connection.</summary>
    public SshHost Host(SshTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Secrets.AddRange(target.Secrets());
        var key = target.IdentityKey();
        if (_hosts.TryGetValue(key, out var existing)) return existing;
        lock (_gate)
        {
            if (_hosts.TryGetValue(key, out existing)) return existing;
            var host = new SshHost(this, target);
            _hosts[key] = host;
            return host;
        }
    }

    public IReadOnlyCollection<SshHost> Hosts => _hosts.Values.ToArray();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Task.WhenAll(_hosts.Values.Select(h => h.CloseAsync())).ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    // The kernel would close the sockets anyway; closing them here says goodbye to sshd properly.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var h in _hosts.Values) h.CloseNow();
    }
}
