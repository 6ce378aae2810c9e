namespace Mvm.Resources.Shared;

/// <summary>How a refused deletion names what is in the way.</summary>
internal static class DeleteGuard
{
    private const int Shown = 10;

    public static string Names(IEnumerable<string> names)
    {
        var all = names.Order(StringComparer.Ordinal).ToList();
        return string.Join(", ", all.Take(Shown)) + (all.Count > Shown ? $" and {all.Count - Shown} more" : "");
    }
}
