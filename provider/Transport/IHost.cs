namespace Mvm.Transport;

/// <summary>
/// A machine the provider runs programs on. Tool clients build an argv and call RunAsync; they
/// never see how the command travels (SSH in production, a fake fed with captured output in
/// unit tests).
/// </summary>
public interface IHost
{
    /// <summary>The host's display name for messages, e.g. `h1`.</summary>
    string Name { get; }

    /// <summary>
    /// Runs argv (argv[0] is the program) with optional stdin and returns its exit code and
    /// output. A non-zero exit is a result, not an exception: the caller decides what it means.
    /// Throws the transport's typed exceptions when the command could not be run or did not
    /// finish within <paramref name="timeout"/>; cancelling <paramref name="ct"/> stops it.
    /// </summary>
    Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct);

    /// <summary>
    /// Like <see cref="RunAsync"/>, with stdin read from <paramref name="stdin"/> as the command
    /// consumes it, so a file of gigabytes (an image upload) never sits in memory. The SSH
    /// transport streams; this default buffers the stream and exists for test doubles only.
    /// </summary>
    async Task<CommandResult> RunStreamingAsync(IReadOnlyList<string> argv, Stream stdin, TimeSpan timeout,
        CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await stdin.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return await RunAsync(argv, buffer.ToArray(), timeout, ct).ConfigureAwait(false);
    }
}
