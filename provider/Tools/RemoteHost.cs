using System.Runtime.CompilerServices;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// A host as the layers above the tools hold it: they can name it and hand it to a tool client (whose constructor
/// takes the transport's <see cref="IHost"/>), but not run an argv on it, so every remote command goes through a
/// typed tool client (issue 13). It implements <see cref="IHost"/> explicitly for that hand-over only.
/// </summary>
public sealed class RemoteHost : IHost
{
    private readonly IHost _host;

    /// <summary>A handle of <paramref name="host"/> (of the host it wraps, when it is a handle itself).</summary>
    public RemoteHost(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host is RemoteHost handle ? handle._host : host;
    }

    /// <summary>The handle of <paramref name="host"/>: itself when it is one already.</summary>
    public static RemoteHost Of(IHost host) => host as RemoteHost ?? new RemoteHost(host);

    /// <summary>The host's display name for messages, e.g. `h1`.</summary>
    public string Name => _host.Name;

    Task<CommandResult> IHost.RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout,
        CancellationToken ct) => _host.RunAsync(argv, stdin, timeout, ct);

    // Forwarded so the SSH transport still streams an upload instead of the interface's buffering default.
    Task<CommandResult> IHost.RunStreamingAsync(IReadOnlyList<string> argv, Stream stdin, TimeSpan timeout,
        CancellationToken ct) => _host.RunStreamingAsync(argv, stdin, timeout, ct);

    // Two handles of one connection are one host: the SSH transport hands out one object per host, and callers
    // tell a source host from the others by comparing hosts, as they compared the transport's objects before.
    public override bool Equals(object? obj) => obj is RemoteHost other && ReferenceEquals(_host, other._host);

    public override int GetHashCode() => RuntimeHelpers.GetHashCode(_host);

    public static bool operator ==(RemoteHost? a, RemoteHost? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(RemoteHost? a, RemoteHost? b) => !(a == b);

    public override string ToString() => _host.ToString() ?? Name;
}
