using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mvm.Transport;

// Running one command on a channel: stdin streamed in, stdout and stderr collected, the exit
// status read; on timeout or cancel the remote process is killed by the PID its start marker
// reported (sshd does not signal a root session's command, and closing the channel does not stop
// it); a retry only when the channel was refused, so the command provably never started.
public sealed partial class SshHost
{
    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout,
        CancellationToken ct) =>
        RunCoreAsync(argv, stdin is { Length: > 0 } ? new MemoryStream(stdin, writable: false) : null, timeout, ct);

    /// <summary>Streams stdin over the channel as the remote command reads it (e.g. an image upload).</summary>
    public Task<CommandResult> RunStreamingAsync(IReadOnlyList<string> argv, Stream stdin, TimeSpan timeout,
        CancellationToken ct) =>
        RunCoreAsync(argv, stdin ?? throw new ArgumentNullException(nameof(stdin)), timeout, ct);

    private async Task<CommandResult> RunCoreAsync(IReadOnlyList<string> argv, Stream? stdin, TimeSpan timeout,
        CancellationToken ct)
    {
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout,
                "the timeout must be positive (or infinite)");
        // Builds (and so validates: NUL, encoding, length) before anything is sent.
        var line = RemoteCommandLine.Build(argv, Target.Sudo, timeout);
        var stdinStart = stdin is { CanSeek: true } ? stdin.Position : 0;
        var display = Shorten(Scrub(PosixQuote.Join(argv)));
        ObjectDisposedException.ThrowIf(_closed, this);

        using var deadline = new CancellationTokenSource();
        if (timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var token = linked.Token;
        var clock = Stopwatch.StartNew();
        var phase = "waiting for a free session (at most " + _transport.Options.MaxConcurrentCommandsPerHost
            + " commands run at once per host)";
        var killed = (int?)null;
        try
        {
            await _slots.WaitAsync(token).ConfigureAwait(false);
            try
            {
                for (var attempt = 1; ; attempt++)
                {
                    phase = "connecting";
                    var connection = await ConnectionAsync(token).ConfigureAwait(false);
                    phase = "running";
                    var run = await ExecAsync(connection, line, stdin, display, pid => killed = pid, token)
                        .ConfigureAwait(false);
                    if (run is null)
                    {
                        // The channel was refused: nothing reached the host. stdin must start over too.
                        if (attempt < 3 && (stdin is null || stdin.CanSeek))
                        {
                            if (stdin is not null) stdin.Position = stdinStart;
                            await Task.Delay(_transport.Options.RetryDelay * attempt, token).ConfigureAwait(false);
                            continue;
                        }
                        throw new ConnectionLostException(Name, display, "the host refused every channel for it");
                    }
                    var (exit, stdout, stderr) = run.Value;
                    if (Target.Sudo && exit == 1 && RemoteCommandLine.SudoRefused(Encoding.UTF8.GetString(stderr)))
                        throw new SudoPasswordRequiredException(Name, Target.User, display);
                    return new CommandResult(Name, argv, exit, stdout, stderr, clock.Elapsed, _transport.Secrets);
                }
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new CommandTimedOutException(Name, display, timeout, phase == "running"
                ? "its channel was closed"
                    + (killed is { } p ? $" and the remote process (PID {p}) was sent SIGTERM" : "")
                : $"it was still {phase}");
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"`{display}` on {Name} was cancelled while {phase}" +
                (phase == "running"
                    ? "; its channel was closed"
                    + (killed is { } p ? $" and the remote process (PID {p}) was sent SIGTERM" : "") : ""), e, ct);
        }
    }

    /// <summary>
    /// One command on one channel: exit code, stdout and stderr (start marker removed), or null
    /// when the channel could not be opened (nothing was sent).
    /// </summary>
    private async Task<(int Exit, byte[] Stdout, byte[] Stderr)?> ExecAsync(SshConnection connection, string line,
        Stream? stdin, string display, Action<int> onKill, CancellationToken ct)
    {
        SshCommand command;
        try
        {
            command = connection.Client.CreateCommand(line);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException)
        {
            throw new ConnectionLostException(Name, display, "the connection closed before the command was sent");
        }
        using var _ = command;
        // Opening the channel and sending the request wait for the server synchronously.
        var start = StartAsync(command);
        var stderr = new MemoryStream();
        Task running;
        try
        {
            running = await start.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The request may still reach the host: let the start finish, so a command that did
            // start is found by its marker and killed like any other.
            try
            {
                running = await start.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException
                                          or TimeoutException)
            {
                throw new OperationCanceledException(ct);
            }
            await StopAsync(connection, command, running, stderr, onKill).ConfigureAwait(false);
            throw new OperationCanceledException(ct);
        }
        catch (SshException e) when (e.Message.StartsWith("Failed to open a channel", StringComparison.Ordinal))
        {
            return null;
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException)
        {
            throw new ConnectionLostException(Name, display,
                "the connection closed as the command was sent: " + Scrub(e.Message));
        }
        var feed = FeedAsync(command, stdin, running);
        try
        {
            await Task.WhenAny(running, feed).WaitAsync(ct).ConfigureAwait(false);
            if (!running.IsCompleted && await feed.ConfigureAwait(false) is { } stuck)
            {
                await StopAsync(connection, command, running, stderr, _ => { }).ConfigureAwait(false);
                throw new IOException($"sending the input of `{display}` to {Name} failed after the command " +
                    $"started, so it was stopped: {Scrub(stuck.Message)}", stuck);
            }
            await running.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopAsync(connection, command, running, stderr, onKill).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException)
        {
            throw new ConnectionLostException(Name, display, "the connection closed mid-command: " + Scrub(e.Message));
        }
        if (await feed.ConfigureAwait(false) is { } readFailure)
            throw new IOException($"reading the input for `{display}` on {Name} failed after the command " +
                $"started: {Scrub(readFailure.Message)}", readFailure);
        var stdout = new MemoryStream();
        Drain(command.OutputStream, stdout);
        Drain(command.ExtendedOutputStream, stderr);
        var (_, rest) = RemoteCommandLine.StripMarker(stderr.ToArray());
        var exit = command.ExitStatus ?? (command.ExitSignal is { } signal ? 128 + SignalNumber(signal) : -1);
        if (exit < 0)
            throw new ConnectionLostException(Name, display, "the channel closed without an exit status");
        return (exit, stdout.ToArray(), rest);
    }

    /// <summary>
    /// Stops a command given up on: waits briefly for its start marker (the first thing it
    /// writes) unless it ended, and kills the PID the marker names. The caller then closes the channel.
    /// </summary>
    private async Task StopAsync(SshConnection connection, SshCommand command, Task running, MemoryStream stderr,
        Action<int> onKill)
    {
        var until = Environment.TickCount64 + 1000;
        while (true)
        {
            Drain(command.ExtendedOutputStream, stderr);
            if (RemoteCommandLine.FindPid(stderr.GetBuffer().AsSpan(0, (int)stderr.Length)) is { } pid)
            {
                onKill(pid);
                await KillRemoteAsync(connection, pid).ConfigureAwait(false);
                // Closing a channel sends EOF first: wait for the killed command's channel to end,
                // so a command stopped half way through its stdin never reads a clean end of it.
                try
                {
                    await running.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException or SshException or ObjectDisposedException
                                              or SocketException or OperationCanceledException)
                {
                }
                return;
            }
            if (running.IsCompleted || Environment.TickCount64 > until) return;
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // sshd refuses signal requests for root's sessions, and a closed channel leaves the command
    // running: signal it by the PID from its start marker, on a channel of its own, bounded,
    // whatever the caller's token says.
    private async Task KillRemoteAsync(SshConnection connection, int pid)
    {
        try
        {
            using var kill = connection.Client.CreateCommand(RemoteCommandLine.BuildKill(pid, Target.Sudo));
            var start = StartAsync(kill);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await (await start.WaitAsync(cts.Token).ConfigureAwait(false)).WaitAsync(cts.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SshException or ObjectDisposedException
                                      or SocketException or TimeoutException)
        {
        }
    }

    /// <summary>
    /// Opens the channel and sends the request on a pool thread (SSH.NET waits for both replies
    /// synchronously); the result is the task of the running command.
    /// </summary>
    private static Task<Task> StartAsync(SshCommand command) =>
        Task.Factory.StartNew(() => command.ExecuteAsync(CancellationToken.None), CancellationToken.None,
            TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);

    private static int SignalNumber(string name) => name switch
    {
        "HUP" => 1, "INT" => 2, "QUIT" => 3, "ILL" => 4, "ABRT" => 6, "FPE" => 8, "KILL" => 9, "USR1" => 10,
        "SEGV" => 11, "USR2" => 12, "PIPE" => 13, "ALRM" => 14, "TERM" => 15,
        _ => 0,
    };
}
