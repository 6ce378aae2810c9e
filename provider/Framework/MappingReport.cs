namespace Mvm.Framework;

/// <summary>What decoding found besides the value: bad input per path, and paths still unknown (preview).</summary>
public sealed class MappingReport
{
    private readonly List<CheckFailureInfo> _failures = [];
    private readonly HashSet<string> _unknown = new(StringComparer.Ordinal);

    public IReadOnlyList<CheckFailureInfo> Failures => _failures;
    public IReadOnlySet<string> UnknownPaths => _unknown;

    public void Fail(string path, string reason) => _failures.Add(new CheckFailureInfo(path, reason));
    public void MarkUnknown(string path) => _unknown.Add(path);

    /// <summary>True if the value at path (or one of its parents) is not known yet.</summary>
    public bool IsUnknown(string path) => _unknown.Any(u => PropertyPath.IsUnder(path, u));
}

public sealed record CheckFailureInfo(string Property, string Reason);
