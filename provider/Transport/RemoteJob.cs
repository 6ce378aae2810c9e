using System.Globalization;
using Mvm.Core;

namespace Mvm.Transport;

/// <summary>
/// Runs a long command detached on a host and polls it, so progress can be read while it runs
/// (the transport returns output only when a command ends) and a dropped connection does not
/// kill it half way. The command's stdout, stderr and fd 3 go to files in a private temporary
/// directory; a remote `timeout` bounds it even if the provider goes away; each poll is one
/// short command. Every value reaches the host as an argv word: the scripts are constants.
/// </summary>
internal static class RemoteJob
{
    /// <summary>
    /// Which of the command's outputs carries its progress (tools differ: qemu-img stdout, apt fd 3, rbd stderr).
    /// </summary>
    public enum Stream
    {
        Stdout,
        Stderr,
        Fd3,
    }

    // $1: the runner script; $2: the time limit; the rest: the command. Prints the job directory.
    internal const string StartScript = """
        set -u
        d=$(mktemp -d "${TMPDIR:-/tmp}/mvm-job.XXXXXXXX") || exit 90
        runner=$1; shift
        setsid bash -c "$runner" mvm-job "$d" "$@" </dev/null >/dev/null 2>&1 &
        printf '%s\n' "$d"
        """;

    // Runs in its own session (setsid), so it outlives the ssh channel. `timeout` relays TERM to
    // the command, which is how cancel stops it; rc appears atomically (mv) when it has ended.
    // A cancel can arrive before the runner has started or recorded the pid: the `cancel` marker
    // is checked before starting and again once the pid is written, so the command never runs on.
    internal const string RunnerScript = """
        d=$1; limit=$2; shift 2
        if [ -e "$d/cancel" ]; then printf '143\n' >"$d/rc.new" && mv -f "$d/rc.new" "$d/rc"; exit 0; fi
        timeout -k 10s "$limit" "$@" </dev/null >"$d/out" 2>"$d/err" 3>"$d/fd3" &
        printf '%s\n' "$!" >"$d/pid"
        [ -e "$d/cancel" ] && kill -TERM "$!" 2>/dev/null
        wait "$!"
        printf '%s\n' "$?" >"$d/rc.new" && mv -f "$d/rc.new" "$d/rc"
        """;

    // First line: `running`, `done <exit>` or `gone`; second: the last non-empty line of stdout
    // (split at \r too, cut to 300 bytes), which says what a command without a progress stream
    // for it is doing, e.g. apt waiting for a lock; then the tail of the progress stream.
    internal const string PollScript = """
        d=$1
        [ -d "$d" ] || { echo gone; exit 0; }
        if [ -f "$d/rc" ]; then echo "done $(cat "$d/rc")"; else echo running; fi
        tail -c 1024 "$d/out" 2>/dev/null | tr '\r' '\n' | awk 'NF { l = $0 } END { print substr(l, 1, 300) }'
        tail -c 4096 "$d/$2" 2>/dev/null
        exit 0
        """;

    // Marks the job cancelled first (see RunnerScript), then stops it if it has started. Once the
    // directory is gone a runner that starts late cannot run the command: its redirections fail.
    internal const string KillScript = """
        d=$1
        [ -d "$d" ] || exit 0
        : >"$d/cancel"
        i=0; while [ ! -f "$d/pid" ] && [ ! -f "$d/rc" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        [ -f "$d/pid" ] && kill -TERM "$(cat "$d/pid")" 2>/dev/null
        i=0; while [ ! -f "$d/rc" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
        rm -rf -- "$d"
        """;

    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs argv to completion and returns its result like <see cref="IHost.RunAsync"/> would.
    /// <paramref name="onProgress"/> receives the tail of <paramref name="stream"/> at each poll that finds one.
    /// On timeout or cancel the command is stopped (TERM, then KILL) and its files removed.
    /// </summary>
    public static Task<CommandResult> RunAsync(IHost host, IReadOnlyList<string> argv, Stream stream,
        Action<string>? onProgress,
        TimeSpan timeout, CancellationToken ct, TimeSpan? maxPollInterval = null) =>
        RunWithPollsAsync(host, argv, stream, poll => { if (poll.Tail.Length > 0) onProgress?.Invoke(poll.Tail); },
            timeout, ct, maxPollInterval);

    /// <summary>
    /// As above; <paramref name="onPoll"/> is called at every poll while the command runs, even when it printed
    /// nothing.
    /// </summary>
    public static async Task<CommandResult> RunWithPollsAsync(IHost host, IReadOnlyList<string> argv, Stream stream,
        Action<JobPoll>? onPoll,
        TimeSpan timeout, CancellationToken ct, TimeSpan? maxPollInterval = null)
    {
        PosixQuote.ValidateArgv(argv);
        var started = DateTime.UtcNow;
        var deadline = started + timeout;
        // The remote limit trails ours so that our deadline is the one that fires and reports.
        var limit = ((long)Math.Ceiling(timeout.TotalSeconds) + 10).ToString(CultureInfo.InvariantCulture) + "s";
        // The start is short and bounded: let it finish even when cancelled, so the job's directory is
        // known and the cancel below can stop the job instead of leaving it running unseen.
        var start = await host.RunAsync(["bash", "-c", StartScript, "mvm-job", RunnerScript, limit, .. argv], null,
            PollTimeout, CancellationToken.None).ConfigureAwait(false);
        var dir = start.EnsureSuccess().StdoutText.Trim();
        if (!dir.StartsWith('/')) throw new
            FormatException($"starting `{PosixQuote.Join(argv)}` on {host.Name} printed no job " +
            $"directory: {start.StdoutText}");

        var delay = TimeSpan.FromMilliseconds(100);
        var max = maxPollInterval ?? TimeSpan.FromSeconds(1);
        var file = stream switch { Stream.Stdout => "out", Stream.Stderr => "err", _ => "fd3" };
        try
        {
            while (true)
            {
                var poll = await host.RunAsync(["bash", "-c", PollScript, "mvm-job", dir, file], null, PollTimeout, ct)
                    .ConfigureAwait(false);
                var (state, lastLine, tail) = ParsePoll(poll.EnsureSuccess().StdoutText);
                if (state != "gone") onPoll?.Invoke(new JobPoll(tail, lastLine));
                if (state == "gone")
                    throw new
                        ProviderException($"the job running `{PosixQuote.Join(argv)}` on {host.Name} disappeared " +
                        $"({dir} is gone: was the host " +
                        "rebooted or /tmp cleaned?). It may or may not have finished; run again.")
                    { Host = host.Name };
                if (state.StartsWith("done ", StringComparison.Ordinal))
                    return await CollectAsync(host, argv, dir, int.Parse(state[5..], CultureInfo.InvariantCulture),
                        DateTime.UtcNow - started, start.Secrets, ct).ConfigureAwait(false);
                if (DateTime.UtcNow >= deadline)
                    throw new CommandTimedOutException(host.Name, PosixQuote.Join(argv), timeout,
                        "it was stopped on the host");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, max.Ticks));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or CommandTimedOutException)
        {
            // Cancel and timeout must not leave the command running: stop it, even though ct is cancelled.
            await host.RunAsync(["bash", "-c", KillScript, "mvm-job", dir], null, PollTimeout, CancellationToken.None)
                .ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The answer of <see cref="PollScript"/>: state, last stdout line, progress tail.</summary>
    internal static (string State, string LastLine, string Tail) ParsePoll(string text)
    {
        var first = text.IndexOf('\n');
        if (first < 0) return (text, "", "");
        var second = text.IndexOf('\n', first + 1);
        return second < 0
            ? (text[..first], text[(first + 1)..], "")
            : (text[..first], text[(first + 1)..second], text[(second + 1)..]);
    }

    private static async Task<CommandResult> CollectAsync(IHost host, IReadOnlyList<string> argv, string dir, int exit,
        TimeSpan elapsed,
        SecretScrubber? secrets, CancellationToken ct)
    {
        var script = new RemoteScript { StopOnFailure = false }
            .Add(["cat", "--", dir + "/out"])
            .Add(["cat", "--", dir + "/err"])
            .Add(["rm", "-rf", "--", dir]);
        var r = await script.RunAsync(host, PollTimeout, ct).ConfigureAwait(false);
        return new CommandResult(host.Name, argv, exit, r[0]?.Stdout ?? [], r[1]?.Stdout ?? [], elapsed, secrets);
    }
}

/// <summary>
/// One look at a running job: the tail of its progress stream and the last line it printed on stdout.
/// </summary>
internal sealed record JobPoll(string Tail, string LastOutputLine);
