namespace Mvm.Core;

/// <summary>An error raised inside a named step, carrying the step and host for the message.</summary>
public sealed class StepFailedException(string step, string? host, Exception inner)
    : ProviderException(inner.Message, inner)
{
    public string StepName { get; } = step;
    public string? HostName { get; } = host;
}
