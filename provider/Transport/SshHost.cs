using System.Diagnostics;
using System.Text;

namespace Mvm.Transport;

/// <summary>
/// A host reached with the OpenSSH client. The first command opens one ControlMaster connection
/// (authenticated once, host key verified); every command after that is a short-lived `ssh`
/// client multiplexed over it, so a command costs one round trip, not a TCP and SSH handshake.
/// Obtain instances from <see cref="SshTransport.Host"/>, which owns their files and lifetime.
/// </summary>
public sealed partial class SshHost : IHost
{
    // Env var the askpass helper reads; set only for the process that authenticates.
    internal const string AskPassSecretVariable = "MVM_SSH_ASKPASS_SECRET";

    private readonly SshTransport _transport;
    private readonly SshHostFiles _files;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly object _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentBag<int> _retired = [];
    private int _masterPid;
    private int _connectCount;
    private bool _closed;
    private IReadOnlyDictionary<string, string> _learned = new Dictionary<string, string>();

    internal SshHost(SshTransport transport, SshTarget target, string directory)
    {
        _transport = transport;
        Target = target;
        _files = new SshHostFiles(directory);
        _slots = new SemaphoreSlim(Math.Max(1, transport.Options.MaxConcurrentCommandsPerHost));
    }

    public string Name => Target.Name;
    public SshTarget Target { get; }

    /// <summary>True while the master connection is up.</summary>
    public bool IsConnected => MasterAlive();

    /// <summary>
    /// How many master connections this host has opened (1 unless the connection was lost and reopened).
    /// </summary>
    public int ConnectCount => Volatile.Read(ref _connectCount);

    /// <summary>PID of the local ControlMaster process, 0 when not connected.</summary>
    public int MasterProcessId => Volatile.Read(ref _masterPid);

    /// <summary>
    /// Host keys recorded by trust-on-first-use, by known_hosts name (`addr` or `[addr]:port`) →
    /// `type base64`; includes jump hosts. Empty unless trustOnFirstUse is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> LearnedHostKeys => _learned;

    /// <summary>
    /// The target's key learnt by trust-on-first-use (`ssh-ed25519 AAAA…`), to report as an output and pin later.
    /// </summary>
    public string? LearnedHostKey => _learned.GetValueOrDefault(KnownHosts.LookupName(Target.Address, Target.Port));

    /// <summary>Opens the master connection now (it is otherwise opened by the first command).</summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (MasterAlive()) return;
        await _connectLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!MasterAlive()) await EstablishAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout,
        CancellationToken ct) =>
        RunCoreAsync(argv, stdin is { Length: > 0 } ? new MemoryStream(stdin, writable: false) : null, timeout, ct);

    /// <summary>Streams stdin over the connection as the remote command reads it (e.g. an image upload).</summary>
    public Task<CommandResult> RunStreamingAsync(IReadOnlyList<string> argv, Stream stdin, TimeSpan timeout,
        CancellationToken ct) =>
        RunCoreAsync(argv, stdin ?? throw new ArgumentNullException(nameof(stdin)), timeout, ct);

    private async Task<CommandResult> RunCoreAsync(IReadOnlyList<string> argv, Stream? stdin, TimeSpan timeout,
        CancellationToken ct)
    {
        var stdinStart = stdin is { CanSeek: true } ? stdin.Position : 0;
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout,
                "the timeout must be positive (or infinite)");
        // Builds (and so validates: NUL, encoding, length) before any process starts.
        var line = RemoteCommandLine.Build(argv, Target.Sudo, timeout);
        var display = Shorten(_transport.Secrets.Scrub(PosixQuote.Join(argv)));
        ObjectDisposedException.ThrowIf(_closed, this);

        using var deadline = new CancellationTokenSource();
        if (timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var token = linked.Token;
        var clock = Stopwatch.StartNew();
        var phase = "waiting for a free session (at most " + _transport.Options.MaxConcurrentCommandsPerHost
            + " commands run at once per host)";
        var remote = new RemotePid();
        try
        {
            await _slots.WaitAsync(token).ConfigureAwait(false);
            try
            {
                for (var attempt = 1; ; attempt++)
                {
                    phase = "connecting";
                    await ConnectAsync(token).ConfigureAwait(false);
                    phase = "running";
                    var outcome = await RunClientAsync(line, stdin, remote, token).ConfigureAwait(false);
                    var (pid, stderr) = RemoteCommandLine.StripMarker(outcome.Stderr);
                    var stderrText = Encoding.UTF8.GetString(stderr);
                    if (outcome.ExitCode == 255 && pid is null)
                    {
                        // The host never confirmed the start. Only when ssh proves the command was
                        // not handed over (no master, session refused) is it safe to try again.
                        var notSent = SshDiagnostics.MasterUnavailable(stderrText)
                            || SshDiagnostics.SessionRefused(stderrText);
                        // The ssh client may have read some of stdin before giving up: a retry must start it over.
                        var rewound = stdin is null || (stdin.CanSeek && (stdin.Position = stdinStart) == stdinStart);
                        if (notSent && rewound && attempt < 3)
                        {
                            // A refused session (MaxSessions) leaves a healthy master: keep it.
                            if (SshDiagnostics.MasterUnavailable(stderrText)) ForgetMaster();
                            await Task.Delay(_transport.Options.RetryDelay * attempt, token).ConfigureAwait(false);
                            continue;
                        }
                        throw new ConnectionLostException(Name, display, notSent
                            ? "the connection could not be reopened for the command"
                            : "ssh exited before the host confirmed the start: "
                                + Scrub(SshDiagnostics.LastLine(stderrText)));
                    }
                    if (outcome.ExitCode == 255 && !await MasterSurvivedAsync().ConfigureAwait(false))
                        throw new ConnectionLostException(Name, display, "the connection closed mid-command");
                    if (Target.Sudo && outcome.ExitCode == 1 && SshDiagnostics.SudoRefused(stderrText))
                        throw new SudoPasswordRequiredException(Name, Target.User, display);
                    return new CommandResult(Name, argv, outcome.ExitCode, outcome.Stdout, stderr, clock.Elapsed,
                        _transport.Secrets);
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
                ? "the ssh client was stopped"
                    + (remote.Value is { } p ? $" and the remote process (PID {p}) was sent SIGTERM" : "")
                : $"it was still {phase}");
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"`{display}` on {Name} was cancelled while {phase}" +
                (phase == "running"
                    ? "; the ssh client was stopped"
                    + (remote.Value is { } p ? $" and the remote process (PID {p}) was sent SIGTERM" : "") : ""), e,
                    ct);
        }
    }

    /// <summary>
    /// The remote PID from the start marker; written by the stderr reader, read on timeout or cancel.
    /// </summary>
    private sealed class RemotePid
    {
        private int _pid;

        public int? Value
        {
            get => Volatile.Read(ref _pid) is var p && p > 0 ? p : null;
            set => Volatile.Write(ref _pid, value ?? 0);
        }
    }

    private async Task<ProcessOutcome> RunClientAsync(string line, Stream? stdin, RemotePid remote,
        CancellationToken ct)
    {
        remote.Value = null;
        var head = new MemoryStream();
        void Watch(ReadOnlySpan<byte> chunk)
        {
            // The marker is the first thing the remote shell writes; only the head is searched.
            if (remote.Value is not null || head.Length > 64 * 1024) return;
            head.Write(chunk);
            remote.Value = RemoteCommandLine.FindPid(head.GetBuffer().AsSpan(0, (int)head.Length));
        }
        try
        {
            return await ChildProcess.RunStreamingAsync(_transport.SshPath, SshArguments.Client(_files, line),
                ClientEnvironment, stdin, ct, Watch).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (remote.Value is { } pid) await KillRemoteAsync(pid).ConfigureAwait(false);
            throw;
        }
    }

    // sshd does not signal a command whose session closed, so a stopped client would leave it
    // running; signal it through the master, bounded, whatever the caller's token says.
    private async Task KillRemoteAsync(int pid)
    {
        if (!MasterAlive()) return;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ChildProcess.RunAsync(_transport.SshPath,
                SshArguments.Client(_files, RemoteCommandLine.BuildKill(pid, Target.Sudo)),
                ClientEnvironment, null, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> MasterSurvivedAsync()
    {
        // A lost connection makes the master exit right after it drops its clients; give it a
        // moment, then ask it directly. A command's own exit code 255 leaves the master running.
        for (var i = 0; i < 10; i++)
        {
            if (!MasterAlive()) return false;
            await Task.Delay(50).ConfigureAwait(false);
        }
        return await QueryMasterPidAsync(CancellationToken.None).ConfigureAwait(false) is not null;
    }

    private string Scrub(string text) => _transport.Secrets.Scrub(text);

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..297] + "...";

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
