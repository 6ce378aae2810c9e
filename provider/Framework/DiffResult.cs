namespace Mvm.Framework;

/// <summary>The kinds of a detailed diff entry; numbers match pulumirpc.PropertyDiff.Kind.</summary>
public enum DiffKind
{
    Add = 0,
    AddReplace = 1,
    Delete = 2,
    DeleteReplace = 3,
    Update = 4,
    UpdateReplace = 5,
}

public static class DiffKinds
{
    public static bool IsReplace(this DiffKind k) =>
        k is DiffKind.AddReplace or DiffKind.DeleteReplace or DiffKind.UpdateReplace;

    public static DiffKind AsReplace(this DiffKind k) => k switch
    {
        DiffKind.Add => DiffKind.AddReplace,
        DiffKind.Delete => DiffKind.DeleteReplace,
        DiffKind.Update => DiffKind.UpdateReplace,
        _ => k,
    };
}

/// <summary>What changed between the recorded inputs and the new ones, per property path.</summary>
public sealed class DiffResult
{
    private readonly SortedDictionary<string, DiffKind> _entries = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, DiffKind> Entries => _entries;
    public bool HasChanges => _entries.Count > 0;
    public bool Replaces => _entries.Values.Any(k => k.IsReplace());
    /// <summary>The real object's identity is fixed (a name), so a replacement must delete the old one first.</summary>
    public bool IdentityIsFixed { get; set; }

    /// <summary>Delete first only when something is actually replaced (after ignoreChanges are dropped).</summary>
    public bool DeleteBeforeReplace => IdentityIsFixed && Replaces;

    public void Set(string path, DiffKind kind) => _entries[path] = kind;
    public void Remove(string path) => _entries.Remove(path);

    public IEnumerable<string> ChangedRoots => _entries.Keys.Select(PropertyPath.Root).Distinct();
    public IEnumerable<string> ReplacedRoots =>
        _entries.Where(e => e.Value.IsReplace()).Select(e => PropertyPath.Root(e.Key)).Distinct();

    public void DropIgnored(IEnumerable<string> ignoreChanges)
    {
        var patterns = ignoreChanges.ToList();
        foreach (var path in _entries.Keys.ToList())
            if (patterns.Any(p => PropertyPath.IsUnder(path, p))) _entries.Remove(path);
    }
}
