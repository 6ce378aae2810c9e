using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mvm.Framework;

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

    /// <summary>How many master connections this host has opened (1 unless the connection was lost and reopened).</summary>
    public int ConnectCount => Volatile.Read(ref _connectCount);

    /// <summary>PID of the local ControlMaster process, 0 when not connected.</summary>
    public int MasterProcessId => Volatile.Read(ref _masterPid);

    internal string ControlSocketPath => _files.ControlSocket;
    internal string ConfigPath => _files.Config;

    /// <summary>
    /// Host keys recorded by trust-on-first-use, by known_hosts name (`addr` or `[addr]:port`) →
    /// `type base64`; includes jump hosts. Empty unless trustOnFirstUse is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> LearnedHostKeys => _learned;

    /// <summary>The target's key learnt by trust-on-first-use (`ssh-ed25519 AAAA…`), to report as an output and pin later.</summary>
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

    public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        // Builds (and so validates: NUL, encoding, length) before any process starts.
        var line = RemoteCommandLine.Build(argv, Target.Sudo, timeout);
        var display = Shorten(_transport.Secrets.Scrub(PosixQuote.Join(argv)));
        ObjectDisposedException.ThrowIf(_closed, this);

        using var deadline = new CancellationTokenSource();
        if (timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var token = linked.Token;
        var clock = Stopwatch.StartNew();
        var phase = "waiting for a free session (at most " + _transport.Options.MaxConcurrentCommandsPerHost + " commands run at once per host)";
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
                        var notSent = SshDiagnostics.MasterUnavailable(stderrText) || SshDiagnostics.SessionRefused(stderrText);
                        if (notSent && attempt < 3)
                        {
                            ForgetMaster();
                            await Task.Delay(_transport.Options.RetryDelay * attempt, token).ConfigureAwait(false);
                            continue;
                        }
                        throw new ConnectionLostException(Name, display, notSent
                            ? "the connection could not be reopened for the command"
                            : "ssh exited before the host confirmed the start: " + Scrub(SshDiagnostics.LastLine(stderrText)));
                    }
                    if (outcome.ExitCode == 255 && !await MasterSurvivedAsync().ConfigureAwait(false))
                        throw new ConnectionLostException(Name, display, "the connection closed mid-command");
                    if (Target.Sudo && outcome.ExitCode == 1 && SshDiagnostics.SudoRefused(stderrText))
                        throw new SudoPasswordRequiredException(Name, Target.User, display);
                    return new CommandResult(Name, argv, outcome.ExitCode, outcome.Stdout, stderr, clock.Elapsed, _transport.Secrets);
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
                ? "the ssh client was stopped" + (remote.Value is { } p ? $" and the remote process (PID {p}) was sent SIGTERM" : "")
                : $"it was still {phase}");
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"`{display}` on {Name} was cancelled while {phase}" +
                (phase == "running" ? "; the ssh client was stopped" + (remote.Value is { } p ? $" and the remote process (PID {p}) was sent SIGTERM" : "") : ""), e, ct);
        }
    }

    private sealed class RemotePid
    {
        public int? Value;
    }

    private async Task<ProcessOutcome> RunClientAsync(string line, byte[]? stdin, RemotePid remote, CancellationToken ct)
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
            return await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Client(_files, line), ClientEnvironment, stdin, ct, Watch).ConfigureAwait(false);
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
            await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Client(_files, RemoteCommandLine.BuildKill(pid, Target.Sudo)),
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

    private async Task EstablishAsync(CancellationToken ct)
    {
        var options = _transport.Options;
        var attempts = Math.Max(1, options.ConnectAttempts);
        var delay = options.RetryDelay;
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            PrepareFiles();
            // Each hop and the target each get a full connect timeout, plus time to authenticate.
            var budget = Target.ConnectTimeout * (Target.JumpHosts.Count + 1) + TimeSpan.FromSeconds(15);
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attemptCts.CancelAfter(budget);
            Failure failure;
            try
            {
                var outcome = await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Master(_files), MasterEnvironment(), null, attemptCts.Token).ConfigureAwait(false);
                if (outcome.ExitCode == 0)
                {
                    var pid = await QueryMasterPidAsync(ct).ConfigureAwait(false)
                        ?? throw new HostUnreachableException(Target.Address, Target.Port, $"ssh reported success but no ControlMaster answers at {_files.ControlSocket} (host {Name})");
                    Volatile.Write(ref _masterPid, pid);
                    Interlocked.Increment(ref _connectCount);
                    ReadLearnedKeys();
                    return;
                }
                failure = await DiagnoseAsync(Encoding.UTF8.GetString(outcome.Stderr), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = new Failure(-1, new SshFailure(SshFailureKind.Unreachable, $"no answer within {Durations.Format(budget)}"));
            }
            if (!failure.What.Transient || attempt >= attempts)
                throw ToException(failure, attempt, clock.Elapsed);
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    /// <summary>A failure and where it happened: -1 = the target, i = jump host i.</summary>
    private sealed record Failure(int Hop, SshFailure What);

    private async Task<Failure> DiagnoseAsync(string stderr, CancellationToken ct)
    {
        // With jump hosts, each hop's ssh wrote its stderr to its own log; the first hop that
        // failed for a reason of its own (not just because the hop before it closed) is the culprit.
        for (var i = 0; i < Target.JumpHosts.Count; i++)
        {
            // Unrecognised text in a hop's log (a warning) says nothing about who failed.
            if (SshDiagnostics.Classify(ReadOrEmpty(_files.HopLog(i))) is not { } f || f.Kind == SshFailureKind.Other) continue;
            if (f.Kind == SshFailureKind.OnwardUnreachable)
                return new Failure(i + 1 < Target.JumpHosts.Count ? i + 1 : -1, f with { Kind = SshFailureKind.Unreachable });
            return await WithOfferedKeyAsync(new Failure(i, f), ct).ConfigureAwait(false);
        }
        var main = SshDiagnostics.Classify(stderr) ?? new SshFailure(SshFailureKind.Other, "ssh exited with status 255 and printed nothing");
        if (main.Kind == SshFailureKind.OnwardUnreachable) main = main with { Kind = SshFailureKind.Unreachable };
        return await WithOfferedKeyAsync(new Failure(-1, main), ct).ConfigureAwait(false);
    }

    private async Task<Failure> WithOfferedKeyAsync(Failure failure, CancellationToken ct)
    {
        var kind = failure.What.Kind;
        if (kind is not (SshFailureKind.HostKeyChanged or SshFailureKind.HostKeyUnknown or SshFailureKind.HostKeyFailed)) return failure;
        if (kind == SshFailureKind.HostKeyFailed)
            kind = ExpectedKeys(failure.Hop).Count > 0 ? SshFailureKind.HostKeyChanged : SshFailureKind.HostKeyUnknown;
        var offered = failure.What.Offered ?? await ProbeOfferedKeyAsync(failure.Hop, ct).ConfigureAwait(false);
        return failure with { What = failure.What with { Kind = kind, Offered = offered } };
    }

    private Exception ToException(Failure failure, int attempts, TimeSpan elapsed)
    {
        var (address, port, user) = failure.Hop < 0
            ? (Target.Address, Target.Port, Target.User)
            : (Target.JumpHosts[failure.Hop].Address, Target.JumpHosts[failure.Hop].Port, Target.JumpHosts[failure.Hop].User);
        var who = failure.Hop < 0
            ? Name + (Target.JumpHosts.Count > 0 ? $" (via jump host{(Target.JumpHosts.Count > 1 ? "s" : "")} {string.Join(", ", Target.JumpHosts.Select(h => h.Address))})" : "")
            : $"jump host {failure.Hop + 1} of {Target.JumpHosts.Count} ({address}) on the way to {Name}";
        var endpoint = $"{user}@{address}:{port}";
        var detail = Scrub(failure.What.Detail);
        return failure.What.Kind switch
        {
            SshFailureKind.AuthenticationFailed => new AuthenticationFailedException(who, user, endpoint, detail) { Host = Name },
            SshFailureKind.HostKeyChanged => new HostKeyMismatchException(who, $"{address}:{port}", ExpectedKeys(failure.Hop), failure.What.Offered) { Host = Name },
            SshFailureKind.HostKeyUnknown => new HostKeyUnknownException(who, $"{address}:{port}", failure.What.Offered) { Host = Name },
            SshFailureKind.Unreachable or SshFailureKind.Closed or SshFailureKind.OnwardUnreachable =>
                new HostUnreachableException(address, port, $"{detail} ({who}; {attempts} attempt{(attempts == 1 ? "" : "s")} over {Durations.Format(elapsed)})"),
            _ => new HostUnreachableException(address, port, $"ssh failed: {detail} ({who})"),
        };
    }

    /// <summary>The keys the configuration accepts for the target (-1) or a hop, for mismatch messages.</summary>
    private IReadOnlyList<HostKeyFingerprint> ExpectedKeys(int hop)
    {
        var (address, port, pinnedOnly) = hop < 0
            ? (Target.Address, Target.Port, Target.PinnedOnly)
            : (Target.JumpHosts[hop].Address, Target.JumpHosts[hop].Port, Target.JumpHosts[hop].PinnedOnly);
        var entries = KnownHosts.Parse(ReadOrEmpty(pinnedOnly ? _files.Pinned(hop) : _files.KnownHosts));
        var result = new List<HostKeyFingerprint>();
        foreach (var e in KnownHosts.For(entries, address, port))
        {
            try
            {
                var fp = e.Fingerprint;
                if (!result.Contains(fp)) result.Add(fp);
            }
            catch (FormatException)
            {
            }
        }
        return result;
    }

    private async Task<HostKeyFingerprint?> ProbeOfferedKeyAsync(int hop, CancellationToken ct)
    {
        var (address, port) = hop < 0 ? (Target.Address, Target.Port) : (Target.JumpHosts[hop].Address, Target.JumpHosts[hop].Port);
        try
        {
            File.Delete(_files.Offered);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(Target.ConnectTimeout * (Target.JumpHosts.Count + 1) + TimeSpan.FromSeconds(5));
            var alias = hop < 0 ? SshHostFiles.TargetAlias : SshHostFiles.HopAlias(hop);
            await ChildProcess.RunAsync(_transport.SshPath, SshArguments.ProbeOfferedKey(_files, alias), ClientEnvironment, null, cts.Token).ConfigureAwait(false);
            var entry = KnownHosts.For(KnownHosts.Parse(ReadOrEmpty(_files.Offered)), address, port).FirstOrDefault();
            return entry?.Fingerprint;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            try { File.Delete(_files.Offered); } catch (IOException) { }
        }
    }

    /// <summary>Writes keys, known_hosts and ssh_config; re-read on every connect so file sources stay current.</summary>
    private void PrepareFiles()
    {
        var t = Target;
        WriteKey(_files.Key(-1), t.PrivateKey, t.PrivateKeyFile, Name);
        for (var i = 0; i < t.JumpHosts.Count; i++)
            WriteKey(_files.Key(i), t.JumpHosts[i].PrivateKey, t.JumpHosts[i].PrivateKeyFile, $"jump host {t.JumpHosts[i].Address}");

        var known = new StringBuilder();
        if (!t.PinnedOnly) foreach (var k in t.PinnedHostKeys) known.Append(KnownHosts.Line(t.Address, t.Port, k)).Append('\n');
        foreach (var h in t.JumpHosts)
            if (!h.PinnedOnly) foreach (var k in h.PinnedHostKeys) known.Append(KnownHosts.Line(h.Address, h.Port, k)).Append('\n');
        if (t.KnownHosts is { } content) known.Append(content.Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
        if (t.KnownHostsFile is { } path)
        {
            try
            {
                known.Append(File.ReadAllText(path)).Append('\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"knownHostsFile {path} cannot be read: {e.Message}");
            }
        }
        PrivateDirectory.WriteFile(_files.KnownHosts, known.ToString());
        if (t.PinnedOnly) PrivateDirectory.WriteFile(_files.Pinned(-1), string.Concat(t.PinnedHostKeys.Select(k => KnownHosts.Line(t.Address, t.Port, k) + "\n")));
        for (var i = 0; i < t.JumpHosts.Count; i++)
        {
            var h = t.JumpHosts[i];
            if (h.PinnedOnly) PrivateDirectory.WriteFile(_files.Pinned(i), string.Concat(h.PinnedHostKeys.Select(k => KnownHosts.Line(h.Address, h.Port, k) + "\n")));
            PrivateDirectory.WriteFile(_files.HopLog(i), "");
        }
        if (t.TrustOnFirstUse && !File.Exists(_files.Learned)) PrivateDirectory.WriteFile(_files.Learned, "");
        PrivateDirectory.WriteFile(_files.Config, SshConfigFile.Build(t, _files, _transport.SshPath, _transport.Options));
    }

    private static void WriteKey(string path, string? text, string? file, string owner)
    {
        if (text is null && file is not null)
        {
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"the private key file {file} for {owner} cannot be read: {e.Message}");
            }
        }
        if (text is null) return;
        // OpenSSH rejects keys with CRLF line ends or without a final newline ("invalid format").
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim() + "\n";
        PrivateDirectory.WriteFile(path, text);
    }

    private void ReadLearnedKeys()
    {
        if (!Target.TrustOnFirstUse) return;
        var learned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in KnownHosts.Parse(ReadOrEmpty(_files.Learned)))
            learned[e.Hosts] = e.PublicKey;
        _learned = learned;
    }

    private IReadOnlyDictionary<string, string?> MasterEnvironment()
    {
        var env = new Dictionary<string, string?>(ClientEnvironment);
        if (Target.Password is { } password)
        {
            // ssh runs the helper for the password prompt; the helper prints this variable.
            // Environment of a process is readable only by its owner (and root).
            env["SSH_ASKPASS"] = _transport.AskPassPath;
            env["SSH_ASKPASS_REQUIRE"] = "force";
            env[AskPassSecretVariable] = password;
        }
        return env;
    }

    // Commands never need the password (the master authenticated), and inherited askpass
    // settings of the user must not make ssh prompt through some other program.
    private static readonly IReadOnlyDictionary<string, string?> ClientEnvironment = new Dictionary<string, string?>
    {
        ["SSH_ASKPASS"] = null,
        ["SSH_ASKPASS_REQUIRE"] = null,
        [AskPassSecretVariable] = null,
        ["DISPLAY"] = null,
        ["LC_ALL"] = "C",
    };

    internal IReadOnlyDictionary<string, string?> MasterEnvironmentForTests() => MasterEnvironment();

    private async Task<int?> QueryMasterPidAsync(CancellationToken ct)
    {
        if (!File.Exists(_files.ControlSocket)) return null;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            var outcome = await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Control(_files, "check"), ClientEnvironment, null, cts.Token).ConfigureAwait(false);
            if (outcome.ExitCode != 0) return null;
            var m = MasterPid().Match(Encoding.UTF8.GetString(outcome.Stderr) + Encoding.UTF8.GetString(outcome.Stdout));
            return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private bool MasterAlive()
    {
        var pid = Volatile.Read(ref _masterPid);
        if (pid <= 0 || !File.Exists(_files.ControlSocket)) return false;
        try
        {
            // The PID must still be our master, not a recycled number.
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains(_files.Config, StringComparison.Ordinal) || cmdline.Contains(_files.ControlSocket, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void ForgetMaster()
    {
        var pid = Interlocked.Exchange(ref _masterPid, 0);
        KillIfOurs(pid);
        try { File.Delete(_files.ControlSocket); } catch (IOException) { }
    }

    private void KillIfOurs(int pid)
    {
        if (pid <= 0) return;
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            if (!cmdline.Contains(_files.Config, StringComparison.Ordinal) && !cmdline.Contains(_files.ControlSocket, StringComparison.Ordinal)) return;
            using var p = Process.GetProcessById(pid);
            p.Kill(entireProcessTree: true);
            p.WaitForExit(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>Closes the master (politely, then by force) so no ssh process or socket remains.</summary>
    internal async Task CloseAsync()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
        }
        if (File.Exists(_files.ControlSocket))
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Control(_files, "exit"), ClientEnvironment, null, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        var pid = Interlocked.Exchange(ref _masterPid, 0);
        for (var i = 0; i < 40 && IsRunning(pid); i++) await Task.Delay(25).ConfigureAwait(false);
        KillIfOurs(pid);
    }

    // The daemonised master's parent is init, which may reap it only later: a zombie has
    // exited (and closed its connection) even though /proc still lists it.
    private static bool IsRunning(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>At process exit there is no time to be polite: kill the master.</summary>
    internal void CloseNow()
    {
        lock (_gate) _closed = true;
        KillIfOurs(Interlocked.Exchange(ref _masterPid, 0));
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

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex MasterPid();
}
