namespace Mvm.Core;

/// <summary>
/// What a lower layer (the cluster layer) needs from the running operation: named steps with progress, messages
/// to the user, cancellation and the secrets to keep out of output. The framework's OperationContext implements it,
/// so the cluster layer does not reach up to the framework (issue 13).
/// </summary>
public interface IOperationSteps
{
    /// <summary>Cancelled when the engine cancels the operation or its timeout passes.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>Secrets learned during the operation are added here so no output shows them.</summary>
    SecretScrubber Secrets { get; }

    Task StatusAsync(string message);
    Task InfoAsync(string message);
    Task WarningAsync(string message);

    /// <summary>
    /// Runs <paramref name="work"/> as a named step (on <paramref name="host"/>, if given): reports it as progress
    /// and wraps a failure in <see cref="StepFailedException"/>. A step that is not <paramref name="readOnly"/> may
    /// change a host.
    /// </summary>
    Task<T> StepAsync<T>(string step, string? host, Func<CancellationToken, Task<T>> work, bool readOnly = false);

    /// <inheritdoc cref="StepAsync{T}"/>
    Task StepAsync(string step, string? host, Func<CancellationToken, Task> work, bool readOnly = false);
}
