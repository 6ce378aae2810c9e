using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mvm.EngineHarness.Plugins;

/// <summary>
/// A running plugin, launched exactly as the engine launches it:
/// `binary [--logtostderr] [-v=N] 127.0.0.1:ENGINEPORT`, cwd = program dir, env + PULUMI_PROJECT + PULUMI_CONFIG.
/// Reads stdout one byte at a time up to the first '\n' for the port (nothing may precede it), then keeps
/// draining stdout and stderr (the engine hides them but dumps them if the plugin dies). Stop = SIGINT, 5 s, kill.
/// </summary>
public sealed class PluginProcess : IPluginHandle
{
    private readonly Process _process;
    private readonly OutputCapture _stdout = new();
    private readonly OutputCapture _stderr = new();
    private Task _stdoutPump = Task.CompletedTask;
    private readonly Task _stderrPump;
    private bool _stdoutClosed;

    private PluginProcess(Process process, PluginLaunchOptions options)
    {
        _process = process;
        Options = options;
        _stderrPump = _stderr.PumpAsync(process.StandardError.BaseStream);
    }

    public PluginLaunchOptions Options { get; }

    public int Pid => _process.Id;

    /// <summary>The port the plugin printed.</summary>
    public int Port { get; private set; }

    /// <summary>"127.0.0.1:PORT", what the engine dials.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The raw first stdout line, before stripping.</summary>
    public string PortLine { get; private set; } = "";

    /// <summary>Launch until the port line was read: the engine's view of plugin startup latency.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Stdout written after the port line (should normally be empty: diagnostics belong on stderr).</summary>
    public string Stdout => _stdout.Text;

    public string Stderr => _stderr.Text;

    public bool HasExited => _process.HasExited;

    /// <summary>Exit code once exited (130 = died of SIGINT without handling it).</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>True if Stop had to kill the plugin because it ignored SIGINT for the grace period.</summary>
    public bool WasKilled { get; private set; }

    public static IReadOnlyList<string> BuildArguments(PluginLaunchOptions options)
    {
        var args = new List<string>();
        if (options.LogToStderr)
            args.Add("--logtostderr");
        if (options.Verbosity is { } v)
            args.Add("-v=" + v.ToString(CultureInfo.InvariantCulture));
        if (options.EngineAddress is not null)
            args.Add(options.EngineAddress);
        return args;
    }

    /// <summary>PULUMI_CONFIG as Go's json.Marshal of a map[string]string writes it (sorted keys).</summary>
    public static string EncodeConfig(IReadOnlyDictionary<string, string> config)
    {
        var sorted = new SortedDictionary<string, string>(config.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        return JsonSerializer.Serialize(sorted);
    }

    public static async Task<PluginProcess> StartAsync(PluginLaunchOptions options, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(options.PluginPath))
            options = options with { PluginPath = PluginLocator.Locate(searchFrom: options.WorkingDirectory) };
        var psi = new ProcessStartInfo(options.PluginPath)
        {
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // closed right away: Go's exec gives children /dev/null
        };
        foreach (var a in BuildArguments(options))
            psi.ArgumentList.Add(a);
        if (options.Project is not null)
            psi.Environment["PULUMI_PROJECT"] = options.Project;
        psi.Environment["PULUMI_CONFIG"] = EncodeConfig(options.Config ?? new Dictionary<string, string>());
        if (options.Environment is not null)
        {
            foreach (var (key, value) in options.Environment)
            {
                if (value is null)
                    psi.Environment.Remove(key);
                else
                    psi.Environment[key] = value;
            }
        }

        var watch = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new PluginLaunchException($"could not start plugin [{options.PluginPath}]", "", null);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PluginLaunchException($"could not start plugin [{options.PluginPath}]: {e.Message}", "", null);
        }
        process.StandardInput.Close();

        var plugin = new PluginProcess(process, options);
        try
        {
            await plugin.ReadPortAsync(watch, ct).ConfigureAwait(false);
        }
        catch
        {
            await plugin.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            throw;
        }
        return plugin;
    }

    private async Task ReadPortAsync(Stopwatch watch, CancellationToken ct)
    {
        var stream = _process.StandardOutput.BaseStream;
        var line = new List<byte>();
        var one = new byte[1];
        var eof = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.PortTimeout);
        try
        {
            // One byte at a time, like the engine, so nothing after the '\n' is consumed here.
            while (true)
            {
                var n = await stream.ReadAsync(one, timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    eof = true;
                    _stdoutClosed = true;
                    break;
                }
                if (one[0] == (byte)'\n')
                    break;
                line.Add(one[0]);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw await FailAsync($"plugin [{Options.PluginPath}] wrote no port line within {Options.PortTimeout.TotalSeconds:0}s " +
                                  $"(wrote an invalid port to stdout: \"{Escape(line)}\")").ConfigureAwait(false);
        }
        StartupTime = watch.Elapsed;
        PortLine = Encoding.UTF8.GetString(line.ToArray());

        if (eof)
        {
            throw await FailAsync($"plugin [{Options.PluginPath}] wrote an invalid port to stdout: " +
                                  $"stdout ended before a newline (\"{Escape(line)}\")").ConfigureAwait(false);
        }
        var cleaned = PortLine.Replace("\u001b]9;4;3;\u001b\\", "", StringComparison.Ordinal)
                              .Replace("\u001b]9;4;0;\u001b\\", "", StringComparison.Ordinal)
                              .Trim();
        // Go's strconv.Atoi: optional sign, decimal digits, nothing else.
        if (!int.TryParse(cleaned, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
        {
            throw await FailAsync($"plugin [{Options.PluginPath}] wrote an invalid port to stdout: \"{Escape(line)}\"").ConfigureAwait(false);
        }
        Port = port;
        _stdoutPump = _stdout.PumpAsync(stream);
    }

    private async Task<PluginLaunchException> FailAsync(string message)
    {
        // A plugin that closed stdout is usually dying: give it a moment so its stderr (the real reason) is complete.
        // One still running after a bad port line is killed at once, as the engine does when the load fails.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (!_process.HasExited && !_stdoutClosed)
                _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            await _stderrPump.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or InvalidOperationException)
        {
        }
        var code = ExitCode;
        var detail = new StringBuilder(message);
        if (code is not null && !_stdoutClosed)
            detail.Append("; the plugin was stopped");
        else if (code is not null)
            detail.Append(CultureInfo.InvariantCulture, $"; plugin exited with code {code}");
        detail.Append("\nstderr:\n").Append(Stderr);
        return new PluginLaunchException(detail.ToString(), Stderr, _stdoutClosed ? code : null);
    }

    /// <summary>SIGINT, wait up to <paramref name="grace"/> (5 s like the engine), then kill. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        if (!_process.HasExited)
        {
            if (!Signals.Send(_process.Id, Signals.SigInt))
                _process.Kill(entireProcessTree: true);
            using var wait = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                WasKilled = true;
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        await DrainAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGINT without waiting (to test shutdown during an in-flight call).</summary>
    public bool Interrupt() => !_process.HasExited && Signals.Send(_process.Id, Signals.SigInt);

    public async Task<int> WaitForExitAsync(CancellationToken ct = default)
    {
        await _process.WaitForExitAsync(ct).ConfigureAwait(false);
        await DrainAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    private async Task DrainAsync()
    {
        try
        {
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A grandchild may hold the pipes open; what was captured so far is enough.
        }
    }

    private static string Escape(List<byte> bytes)
        => JsonEncodedText.Encode(Encoding.UTF8.GetString(bytes.ToArray())).ToString();

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>Thread-safe accumulation of a pipe's bytes.</summary>
    private sealed class OutputCapture
    {
        private readonly object _gate = new();
        private readonly MemoryStream _bytes = new();

        public string Text
        {
            get
            {
                lock (_gate)
                    return Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
            }
        }

        public async Task PumpAsync(Stream stream)
        {
            var buffer = new byte[8192];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    lock (_gate)
                        _bytes.Write(buffer, 0, n);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }
    }
}
