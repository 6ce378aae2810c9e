using Mvm.Core;

namespace Mvm.Framework;

/// <summary>
/// The real object exists but the operation did not finish: it must land in state with what
/// exists, so the next `up` continues instead of leaving something on a host that state does not know.
/// </summary>
public sealed class ResourceInitFailedException(string id, object state, IReadOnlyList<string> reasons)
    : ProviderException(string.Join("; ", reasons))
{
    public string Id { get; } = id;
    public object State { get; } = state;
    public IReadOnlyList<string> Reasons { get; } = reasons;
}
