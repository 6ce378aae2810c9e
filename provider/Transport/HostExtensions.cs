namespace Mvm.Transport;

/// <summary>Conveniences over <see cref="IHost"/> that every tool client wants.</summary>
public static class HostExtensions
{
    /// <summary>Runs argv and throws <see cref="RemoteCommandFailedException"/> on a non-zero exit.</summary>
    public static async Task<CommandResult> RunCheckedAsync(this IHost host, IReadOnlyList<string> argv,
        TimeSpan timeout,
        CancellationToken ct, byte[]? stdin = null)
    {
        var result = await host.RunAsync(argv, stdin, timeout, ct).ConfigureAwait(false);
        return result.EnsureSuccess();
    }
}
