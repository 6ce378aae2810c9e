using System.Collections.Concurrent;
using Mvm.Core;

namespace Mvm.Transport;

/// <summary>
/// The provider process's SSH connections: one <see cref="SshHost"/> (and so one ControlMaster
/// TCP connection) per distinct target, all files in one private 0700 directory. Dispose it
/// (or let the process exit) to close every connection and remove the directory.
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
    // The helper ssh runs for prompts. It holds no secret: it prints the one ssh's own
    // environment carries, and only for password prompts, never for a key passphrase or a
    // host-key confirmation.
    private const string AskPassScript =
        "#!/bin/sh\n" +
        "case \"$1\" in\n" +
        "  *[Pp]assword:*) printf '%s\\n' \"$" + SshHost.AskPassSecretVariable + "\" ;;\n" +
        "  *) exit 1 ;;\n" +
        "esac\n";

    private readonly PrivateDirectory _directory;
    private readonly ConcurrentDictionary<string, SshHost> _hosts = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _nextHost;
    private int _disposed;

    public SshTransport(SecretScrubber? secrets = null, SshTransportOptions? options = null)
    {
        Secrets = secrets ?? new SecretScrubber();
        Options = options ?? new SshTransportOptions();
        SshPath = ResolveSsh(Options.SshPath);
        _directory = PrivateDirectory.Create();
        AskPassPath = PrivateDirectory.WriteFile(Path.Combine(_directory.Path, "askpass"), AskPassScript,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public SecretScrubber Secrets { get; }
    public SshTransportOptions Options { get; }
    /// <summary>The private directory (for diagnostics and tests; its contents are internal).</summary>
    public string PrivateDirectoryPath => _directory.Path;
    internal string SshPath { get; }
    internal string AskPassPath { get; }

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
            var dir = _directory.CreateSubdirectory("h" + _nextHost++);
            var host = new SshHost(this, target, dir);
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
        _directory.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var h in _hosts.Values) h.CloseNow();
        _directory.Dispose();
    }

    private static string ResolveSsh(string ssh)
    {
        string? found = null;
        if (ssh.Contains('/'))
        {
            if (File.Exists(ssh)) found = Path.GetFullPath(ssh);
        }
        else
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
                .Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, ssh);
                if (File.Exists(candidate)) { found = candidate; break; }
            }
        }
        if (found is null)
            throw new
                InvalidOperationException($"the OpenSSH client `{ssh}` was not found " +
                $"(PATH={Environment.GetEnvironmentVariable("PATH")}); install openssh-client");
        // It is written into ssh_config's ProxyCommand, where '%' starts a token.
        if (found.Contains('%') || found.Contains('\n'))
            throw new InvalidOperationException($"the path of the ssh client cannot be used in ssh_config: {found}");
        return found;
    }
}
