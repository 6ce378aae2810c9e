using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mvm.Core;

namespace Mvm.Transport;

// The ControlMaster's lifecycle: write the private files, open the master (with retries on
// connection failures only), check it is alive, and close it without leaving a process behind.
public sealed partial class SshHost
{
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
                var outcome = await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Master(_files),
                    MasterEnvironment(), null, attemptCts.Token).ConfigureAwait(false);
                if (outcome.ExitCode == 0)
                {
                    var pid = await QueryMasterPidAsync(ct).ConfigureAwait(false)
                        ?? throw new HostUnreachableException(Target.Address, Target.Port,
                            $"ssh reported success but no ControlMaster answers at {_files.ControlSocket} " +
                            $"(host {Name})");
                    Volatile.Write(ref _masterPid, pid);
                    Interlocked.Increment(ref _connectCount);
                    ReadLearnedKeys();
                    return;
                }
                failure = await DiagnoseAsync(Encoding.UTF8.GetString(outcome.Stderr), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = new Failure(-1,
                    new SshFailure(SshFailureKind.Unreachable, $"no answer within {Durations.Format(budget)}"));
            }
            if (!failure.What.Transient || attempt >= attempts)
                throw ToException(failure, attempt, clock.Elapsed);
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    /// <summary>
    /// Writes keys, known_hosts and ssh_config; re-read on every connect so file sources stay current.
    /// </summary>
    private void PrepareFiles()
    {
        var t = Target;
        WriteKey(_files.Key(-1), t.PrivateKey, t.PrivateKeyFile, Name);
        for (var i = 0; i < t.JumpHosts.Count; i++)
            WriteKey(_files.Key(i), t.JumpHosts[i].PrivateKey, t.JumpHosts[i].PrivateKeyFile,
                $"jump host {t.JumpHosts[i].Address}");

        // Pinned hosts check against their own pinned file only (SshConfigFile); known_hosts serves the others.
        var known = new StringBuilder();
        if (t.KnownHosts is { } content) known.Append(content.Replace("\r\n", "\n", StringComparison.Ordinal))
            .Append('\n');
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
        if (t.PinnedOnly) PrivateDirectory.WriteFile(_files.Pinned(-1),
            string.Concat(t.PinnedHostKeys.Select(k => KnownHosts.Line(t.Address, t.Port, k) + "\n")));
        for (var i = 0; i < t.JumpHosts.Count; i++)
        {
            var h = t.JumpHosts[i];
            if (h.PinnedOnly) PrivateDirectory.WriteFile(_files.Pinned(i),
                string.Concat(h.PinnedHostKeys.Select(k => KnownHosts.Line(h.Address, h.Port, k) + "\n")));
            PrivateDirectory.WriteFile(_files.HopLog(i), "");
        }
        if (t.TrustOnFirstUse && !File.Exists(_files.Learned)) PrivateDirectory.WriteFile(_files.Learned, "");
        PrivateDirectory.WriteFile(_files.Config,
            SshConfigFile.Build(t, _files, _transport.SshPath, _transport.Options));
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
    // settings of the user must not make ssh prompt through some other program. LC_ALL=C keeps
    // libc's error texts ("Connection refused"), which SshDiagnostics reads, untranslated.
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
            var outcome = await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Control(_files, "check"),
                ClientEnvironment, null, cts.Token).ConfigureAwait(false);
            if (outcome.ExitCode != 0) return null;
            var m = MasterPid()
                .Match(Encoding.UTF8.GetString(outcome.Stderr) + Encoding.UTF8.GetString(outcome.Stdout));
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
            return cmdline.Contains(_files.Config, StringComparison.Ordinal)
                || cmdline.Contains(_files.ControlSocket, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // The client could not reach the master through its socket. The master process may still be
    // serving commands already running, so it is not killed here: it is retired and closed with
    // the others at dispose (or ends after ControlPersist idle time).
    private void ForgetMaster()
    {
        var pid = Interlocked.Exchange(ref _masterPid, 0);
        if (IsRunning(pid)) _retired.Add(pid);
        else try { File.Delete(_files.ControlSocket); } catch (IOException) { }
    }

    private void KillIfOurs(int pid)
    {
        if (pid <= 0) return;
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            if (!cmdline.Contains(_files.Config, StringComparison.Ordinal)
                && !cmdline.Contains(_files.ControlSocket, StringComparison.Ordinal)) return;
            using var p = Process.GetProcessById(pid);
            p.Kill(entireProcessTree: true);
            // The daemonised master is not our child: Process.WaitForExit cannot reap it and would
            // sit out its whole timeout on a zombie, so poll /proc the zombie-aware way, briefly.
            var until = Environment.TickCount64 + 500;
            while (IsRunning(pid) && Environment.TickCount64 < until) Thread.Sleep(10);
        }
        catch (Exception e) when
            (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or
            System.ComponentModel.Win32Exception)
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
                await ChildProcess.RunAsync(_transport.SshPath, SshArguments.Control(_files, "exit"), ClientEnvironment,
                    null, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        var pid = Interlocked.Exchange(ref _masterPid, 0);
        for (var i = 0; i < 40 && IsRunning(pid); i++) await Task.Delay(25).ConfigureAwait(false);
        KillIfOurs(pid);
        foreach (var old in _retired) KillIfOurs(old);
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
        foreach (var old in _retired) KillIfOurs(old);
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex MasterPid();
}
