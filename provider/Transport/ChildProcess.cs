using System.ComponentModel;
using System.Diagnostics;

namespace Mvm.Transport;

internal sealed record ProcessOutcome(int ExitCode, byte[] Stdout, byte[] Stderr);

/// <summary>
/// Runs a local program (ssh) with an argv (never a shell string), feeds stdin, collects stdout
/// and stderr as bytes, and on cancellation kills it with all its children before returning.
/// </summary>
internal static class ChildProcess
{
    public static Task<ProcessOutcome> RunAsync(string file, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?>? environment, byte[]? stdin, CancellationToken ct,
        Action<ReadOnlySpan<byte>>? onStderr = null) =>
        RunStreamingAsync(file, args, environment,
            stdin is { Length: > 0 } ? new MemoryStream(stdin, writable: false) : null, ct, onStderr);

    /// <summary>As above with stdin copied from a stream while the program runs (never loaded whole).</summary>
    public static async Task<ProcessOutcome> RunStreamingAsync(string file, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?>? environment, Stream? stdin, CancellationToken ct,
        Action<ReadOnlySpan<byte>>? onStderr = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }

        ct.ThrowIfCancellationRequested();
        using var process = new Process { StartInfo = psi };
        process.Start();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var outTask = PumpAsync(process.StandardOutput.BaseStream, stdout, null);
        var errTask = PumpAsync(process.StandardError.BaseStream, stderr, onStderr);
        var feed = FeedAsync(process.StandardInput.BaseStream, stdin, ct);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            // The output is complete at EOF on both pipes. With a ControlMaster the master writes
            // into these pipes itself and closes them when the channel closes, so EOF can trail
            // the client's exit slightly.
            await Task.WhenAll(outTask, errTask).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
        if (await feed.ConfigureAwait(false) is { } readFailure)
            throw new
                IOException($"reading the input for {Path.GetFileName(file)} failed after the program " +
                $"started: {readFailure.Message}", readFailure);
        return new ProcessOutcome(process.ExitCode, Snapshot(stdout), Snapshot(stderr));
    }

    /// <summary>Kills the process and its descendants, waiting briefly for it to be gone.</summary>
    public static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
        }
    }

    private static byte[] Snapshot(MemoryStream ms)
    {
        lock (ms) return ms.ToArray();
    }

    private static async Task PumpAsync(Stream from, MemoryStream to, Action<ReadOnlySpan<byte>>? observe)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0) return;
                lock (to) to.Write(buffer, 0, n);
                observe?.Invoke(buffer.AsSpan(0, n));
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Copies stdin into the program. The program closing its end early is its choice (the rest is
    /// dropped); a failure to read the source is the caller's problem and is returned, so a
    /// half-sent upload is reported rather than looking like a short file.
    /// </summary>
    private static async Task<Exception?> FeedAsync(Stream to, Stream? data, CancellationToken ct)
    {
        try
        {
            if (data is null) return null;
            var buffer = new byte[1024 * 1024];
            while (true)
            {
                int n;
                try
                {
                    n = await data.ReadAsync(buffer, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null; // the process is being killed
                }
                catch (Exception e)
                {
                    return e;
                }
                if (n == 0) return null;
                await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The remote side exited without reading all of stdin, or the process is being killed.
            return null;
        }
        finally
        {
            try { to.Dispose(); } catch (IOException) { } catch (ObjectDisposedException) { }
        }
    }
}
