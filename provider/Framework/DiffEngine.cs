using System.Diagnostics.CodeAnalysis;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>
/// Compares old and new inputs of a typed record and reports each changed path with its kind.
/// Lists with a declared key are matched by that key, so removing the second of three hosts is
/// one DELETE, not two UPDATEs; a pure reorder is no change.
/// </summary>
public static class DiffEngine
{
    public static DiffResult Compare([DynamicallyAccessedMembers(ModelMembers.Kept)] Type argsType, ObjectProperty olds,
        ObjectProperty news)
    {
        var result = new DiffResult();
        CompareObject(ObjectModel.Of(argsType), olds, news, "", false, result);
        return result;
    }

    private static void CompareObject(ObjectModel model, ObjectProperty olds, ObjectProperty news, string path,
        bool replace, DiffResult result)
    {
        foreach (var prop in model.Inputs)
        {
            var o = olds[prop.WireName];
            var n = news[prop.WireName];
            var propReplace = replace || prop.Input!.ReplaceOnChanges;
            CompareValue(prop.Shape, prop.Input!.ListKey, o, n, PropertyPath.Field(path, prop.WireName), propReplace,
                result);
        }
    }

    private static void CompareValue(Shape shape, string? listKey, PropertyValue? o, PropertyValue? n, string path,
        bool replace, DiffResult result)
    {
        o = o?.Unsecret();
        n = n?.Unsecret();
        var oldAbsent = o is null || o.IsNull;
        var newAbsent = n is null || n.IsNull;
        if (oldAbsent && newAbsent) return;
        if (oldAbsent) { Add(result, path, DiffKind.Add, replace); return; }
        if (newAbsent) { Add(result, path, DiffKind.Delete, replace); return; }
        if (n!.IsComputed || o!.IsComputed) { Add(result, path, DiffKind.Update, replace); return; }

        switch (shape.Kind)
        {
            case ShapeKind.Object when o is ObjectProperty oo && n is ObjectProperty no:
                CompareObject(ObjectModel.Of(shape.ClrType), oo, no, path, replace, result);
                return;
            case ShapeKind.Map when o is ObjectProperty om && n is ObjectProperty nm:
                foreach (var key in om.Fields.Keys.Union(nm.Fields.Keys))
                    CompareValue(shape.Element!, null, om[key], nm[key], PropertyPath.Key(path, key), replace, result);
                return;
            case ShapeKind.Array when o is ArrayProperty oa && n is ArrayProperty na:
                if (listKey is not null && shape.Element!.Kind == ShapeKind.Object)
                    CompareKeyedList(shape.Element, listKey, oa, na, path, replace, result);
                else
                    for (var i = 0; i < Math.Max(oa.Items.Length, na.Items.Length); i++)
                        CompareValue(shape.Element!, null, i < oa.Items.Length ? oa.Items[i] : null,
                            i < na.Items.Length ? na.Items[i] : null, PropertyPath.Index(path, i), replace, result);
                return;
        }
        if (!PropertyValue.DeepEquals(o, n)) Add(result, path, DiffKind.Update, replace);
    }

    private static void CompareKeyedList(Shape element, string key, ArrayProperty olds, ArrayProperty news, string path,
        bool replace, DiffResult result)
    {
        static string? KeyOf(PropertyValue item, string key) =>
            item.Unsecret() is ObjectProperty o && o[key]?.Unsecret() is StringProperty s ? s.Value : null;

        var oldByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < olds.Items.Length; i++)
            if (KeyOf(olds.Items[i], key) is { } k) oldByKey.TryAdd(k, i);

        var matched = new HashSet<int>();
        for (var j = 0; j < news.Items.Length; j++)
        {
            var k = KeyOf(news.Items[j], key);
            if (k is not null && oldByKey.TryGetValue(k, out var i))
            {
                matched.Add(i);
                CompareValue(element, null, olds.Items[i], news.Items[j], PropertyPath.Index(path, j), replace, result);
            }
            else Add(result, PropertyPath.Index(path, j),
                news.Items[j].ContainsComputed() && k is null ? DiffKind.Update : DiffKind.Add, replace);
        }
        for (var i = 0; i < olds.Items.Length; i++)
            if (!matched.Contains(i))
            {
                // An item removed where another was added at the same position shows as one change of that position.
                var p = PropertyPath.Index(path, i);
                var kind = result.Entries.TryGetValue(p, out var existing)
                    && existing is DiffKind.Add or DiffKind.AddReplace
                    ? DiffKind.Update : DiffKind.Delete;
                Add(result, p, kind, replace);
            }
    }

    private static void Add(DiffResult result, string path, DiffKind kind, bool replace) =>
        result.Set(path, replace ? kind.AsReplace() : kind);
}
