using Google.Protobuf.WellKnownTypes;
using Kind = Mvm.Protocol.Wire.PropertyDiff.Types.Kind;
using Mvm.EngineHarness.Values;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// Which output paths differ between a resource's state before and after a refresh. The engine shows a refreshed
/// resource whose outputs changed as updated, even when its inputs did not drift (a host that went unreachable
/// changes a cluster's outputs only). Secrets are compared by value: a changed secret shows its path, never its value.
/// </summary>
public static class OutputChanges
{
    public static IReadOnlyList<PropertyChange> Between(Struct before, Struct after)
    {
        var changes = new List<PropertyChange>();
        CompareStructs(before, after, "", changes);
        return changes;
    }

    private static void CompareStructs(Struct before, Struct after, string prefix, List<PropertyChange> changes)
    {
        foreach (var key in before.Fields.Keys.Union(after.Fields.Keys).Order(StringComparer.Ordinal))
        {
            var path = prefix.Length == 0 ? Name(key) : prefix + (Simple(key) ? "." + key : $"[\"{key}\"]");
            var had = before.Fields.TryGetValue(key, out var old);
            var has = after.Fields.TryGetValue(key, out var now);
            if (!had)
                changes.Add(new PropertyChange(path, Kind.Add, false));
            else if (!has)
                changes.Add(new PropertyChange(path, Kind.Delete, false));
            else
                Compare(old!, now!, path, changes);
        }
    }

    private static void Compare(Value before, Value after, string path, List<PropertyChange> changes)
    {
        before = PropertyValues.Unwrap(before);
        after = PropertyValues.Unwrap(after);
        if (before.Equals(after))
            return;
        if (before.KindCase == Value.KindOneofCase.StructValue && after.KindCase == Value.KindOneofCase.StructValue
            && !PropertyValues.IsSecret(before) && !PropertyValues.IsSecret(after))
        {
            CompareStructs(before.StructValue, after.StructValue, path, changes);
            return;
        }
        if (before.KindCase == Value.KindOneofCase.ListValue && after.KindCase == Value.KindOneofCase.ListValue)
        {
            var (olds, news) = (before.ListValue.Values, after.ListValue.Values);
            for (var i = 0; i < Math.Max(olds.Count, news.Count); i++)
            {
                var at = $"{path}[{i}]";
                if (i >= olds.Count)
                    changes.Add(new PropertyChange(at, Kind.Add, false));
                else if (i >= news.Count)
                    changes.Add(new PropertyChange(at, Kind.Delete, false));
                else
                    Compare(olds[i], news[i], at, changes);
            }
            return;
        }
        changes.Add(new PropertyChange(path, Kind.Update, false));
    }

    private static string Name(string key) => Simple(key) ? key : $"[\"{key}\"]";

    private static bool Simple(string key) => key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$');
}
