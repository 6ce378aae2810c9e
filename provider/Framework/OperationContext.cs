using System.Collections.Concurrent;
using Mvm.Core;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>
/// Everything one operation (check, create, read, update, delete) needs besides its inputs:
/// cancellation (engine Cancel and the operation timeout), progress to the engine, the provider
/// configuration, secrets to scrub, and the step/host currently running for error messages.
/// </summary>
public sealed class OperationContext : IOperationSteps
{
    private readonly EngineLog _log;
    private readonly ConcurrentDictionary<int, (string Step, string? Host)> _running = new();
    private int _nextStep;

    public OperationContext(string operation, string type, string name, string urn, bool preview,
        Config.ProviderConfig config, EngineLog log, SecretScrubber secrets, CancellationToken cancellationToken,
        TimeSpan? timeout, Transport.IHostConnector? hosts = null)
    {
        Hosts = hosts ?? Transport.NoHostConnector.Instance;
        Operation = operation;
        Type = type;
        Name = name;
        Urn = urn;
        Preview = preview;
        Config = config;
        _log = log;
        Secrets = secrets;
        CancellationToken = cancellationToken;
        Timeout = timeout;
    }

    public string Operation { get; }
    public string Type { get; }
    public string Name { get; }
    public string Urn { get; }
    public bool Preview { get; }
    public Config.ProviderConfig Config { get; }
    public SecretScrubber Secrets { get; }
    public CancellationToken CancellationToken { get; }
    public TimeSpan? Timeout { get; }
    /// <summary>Reaches hosts over the provider's transport (SSH in production).</summary>
    public Transport.IHostConnector Hosts { get; }

    /// <summary>The most recently started step still running, for "timed out during …" messages.</summary>
    public (string Step, string? Host)? CurrentStep =>
        _running.IsEmpty ? null : _running.OrderByDescending(kv => kv.Key).First().Value;

    /// <summary>The step that was running when the operation was cancelled or timed out.</summary>
    public (string Step, string? Host)? InterruptedStep { get; private set; }

    public Task StatusAsync(string message) => _log.StatusAsync(Secrets.Scrub(message), Urn);
    public Task InfoAsync(string message) => _log.InfoAsync(Secrets.Scrub(message), Urn);
    public Task WarningAsync(string message) => _log.WarningAsync(Secrets.Scrub(message), Urn);
    public Task DebugAsync(string message) => _log.DebugAsync(Secrets.Scrub(message), Urn);

    /// <summary>
    /// Runs one named step (optionally on one host): reports it as progress, and turns any failure
    /// into a <see cref="StepFailedException"/> that names the step and host.
    /// </summary>
    public async Task<T> StepAsync<T>(
        string step, string? host, Func<CancellationToken, Task<T>> work, bool readOnly = false)
    {
        // A step that may change a host makes the outcome uncertain if the operation fails later.
        if (!readOnly) ChangesMayHaveStarted = true;
        var id = Interlocked.Increment(ref _nextStep);
        _running[id] = (step, host);
        try
        {
            await StatusAsync(host is null ? step : $"{step} on {host}").ConfigureAwait(false);
            return await work(CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            InterruptedStep ??= (step, host);
            throw;
        }
        catch (Exception e) when (e is not StepFailedException and not ResourceInitFailedException)
        {
            throw new StepFailedException(step, host, e);
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
    }

    public Task StepAsync(string step, string? host, Func<CancellationToken, Task> work, bool readOnly = false) =>
        StepAsync<bool>(step, host, async ct => { await work(ct).ConfigureAwait(false); return true; }, readOnly);

    /// <summary>
    /// True once a step that may change something has started. Until then a failure means the
    /// operation cleanly did not happen, which the engine must be told (it is not "unknown").
    /// </summary>
    public bool ChangesMayHaveStarted { get; private set; }
}
