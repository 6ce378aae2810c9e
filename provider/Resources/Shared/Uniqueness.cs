using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// Uniqueness of a field across the items of a list, failing on the field of the repeated item
/// (`disks[2].name`) and naming the item that has it first.
/// </summary>
public static class Uniqueness
{
    public static void Check<T>(CheckContext ctx, string listPath, IReadOnlyList<T?>? items, string field,
        Func<T, string?> key, string what, StringComparer? comparer = null) where T : class
    {
        if (items is null) return;
        var seen = new Dictionary<string, int>(comparer ?? StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item || key(item) is not { } k) continue;
            if (seen.TryGetValue(k, out var first))
                ctx.Fail(PropertyPath.Field(PropertyPath.Index(listPath, i), field),
                    $"{what} {Quoted.Value(k)} is already used by {PropertyPath.Index(listPath, first)}; each {what} " +
                    $"must be unique{(comparer == StringComparer.OrdinalIgnoreCase ? " (ignoring case)" : "")}");
            else seen[k] = i;
        }
    }
}
