using Mvm.Core;
namespace Mvm.Framework;

/// <summary>
/// Collects Check failures per property path. Values not known yet (preview) are skipped by the
/// helpers, since they will be checked again when known.
/// </summary>
public sealed class CheckContext(string resourceName, MappingReport report)
{
    public string ResourceName { get; } = resourceName;
    public MappingReport Report { get; } = report;

    public void Fail(string path, string reason) => Report.Fail(path, reason);
    public bool IsUnknown(string path) => Report.IsUnknown(path);

    public void RequirePositive(string path, long? value, long max = long.MaxValue, string unit = "")
    {
        if (value is null) return;
        if (value <= 0) Fail(path, $"must be greater than 0, got {value}{unit}");
        else if (value > max) Fail(path, $"must be at most {max}{unit}, got {value}{unit}");
    }

    public void RequireRange(string path, long? value, long min, long max)
    {
        if (value is null) return;
        if (value < min || value > max) Fail(path, $"must be between {min} and {max}, got {value}");
    }

    /// <summary>Flags values that appear more than once (by key) under one list.</summary>
    public void RequireUnique<T>(string listPath, IReadOnlyList<T>? items, Func<T, string?> key, string what)
    {
        if (items is null) return;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var k = key(items[i]);
            if (k is null) continue;
            if (seen.TryGetValue(k, out var first))
                Fail(PropertyPath.Index(listPath, i),
                    $"{what} {Quoted.Value(k)} is already used by {PropertyPath.Index(listPath, first)}; {what}s " +
                    "must be unique");
            else seen[k] = i;
        }
    }
}
