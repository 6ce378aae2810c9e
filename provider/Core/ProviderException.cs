namespace Mvm.Core;

/// <summary>
/// A failure a user can act on. The handler prefixes it with the resource and operation and
/// scrubs secrets; Step and Host say where it happened.
/// </summary>
public class ProviderException(string message, Exception? inner = null) : Exception(message, inner)
{
    public string? Step { get; init; }
    public string? Host { get; init; }
}

/// <summary>A precondition on the hosts is not met; nothing was changed.</summary>
public sealed class PreconditionFailedException(string message) : ProviderException(message);
