using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;

namespace Mvm.EngineHarness.Values;

/// <summary>
/// A Pulumi property path: `a.b[0].c`, `a["key.with.dots"]`, `a[*]` / `a.*` (wildcard). Used for ignoreChanges
/// and to read detailedDiff keys. Secrets along the way are looked through (and re-wrapped on write).
/// </summary>
public sealed class PropertyPath
{
    private PropertyPath(string text, IReadOnlyList<Segment> segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }

    public IReadOnlyList<Segment> Segments { get; }

    public abstract record Segment;

    public sealed record Key(string Name) : Segment;

    public sealed record Index(int Position) : Segment;

    public sealed record Wildcard : Segment;

    public override string ToString() => Text;

    public static PropertyPath Parse(string text)
    {
        var segments = new List<Segment>();
        var i = 0;
        var name = new StringBuilder();
        void FlushName()
        {
            if (name.Length == 0)
                return;
            var n = name.ToString();
            segments.Add(n == "*" ? new Wildcard() : new Key(n));
            name.Clear();
        }
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '.')
            {
                FlushName();
                i++;
            }
            else if (c == '[')
            {
                FlushName();
                var close = text.IndexOf(']', i);
                if (close < 0)
                    throw new FormatException($"invalid property path '{text}': missing ']'");
                var inner = text[(i + 1)..close];
                if (inner.Length >= 2 && inner[0] == '"' && inner[^1] == '"')
                {
                    // A quoted key may itself contain ']' — find the real closing quote+bracket.
                    var end = text.IndexOf("\"]", i + 2, StringComparison.Ordinal);
                    inner = text[(i + 2)..end];
                    segments.Add(new Key(inner));
                    close = end + 1;
                }
                else if (inner == "*")
                    segments.Add(new Wildcard());
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    segments.Add(new Index(index));
                else
                    throw new FormatException($"invalid property path '{text}': bad index '{inner}'");
                i = close + 1;
            }
            else
            {
                name.Append(c);
                i++;
            }
        }
        FlushName();
        if (segments.Count == 0)
            throw new FormatException("empty property path");
        return new PropertyPath(text, segments);
    }

    /// <summary>The top-level property name this path starts with.</summary>
    public string? RootKey => Segments[0] is Key k ? k.Name : null;

    /// <summary>Value at this path, or null if absent. Wildcards are not allowed here.</summary>
    public Value? Get(Struct root)
    {
        Value current = Value.ForStruct(root);
        foreach (var segment in Segments)
        {
            current = PropertyValues.Unwrap(current);
            switch (segment)
            {
                case Key k when current.KindCase == Value.KindOneofCase.StructValue:
                    if (!current.StructValue.Fields.TryGetValue(k.Name, out var next))
                        return null;
                    current = next;
                    break;
                case Index ix when current.KindCase == Value.KindOneofCase.ListValue:
                    if (ix.Position >= current.ListValue.Values.Count)
                        return null;
                    current = current.ListValue.Values[ix.Position];
                    break;
                default:
                    return null;
            }
        }
        return current;
    }

    /// <summary>
    /// Copies the value at this path from <paramref name="source"/> into <paramref name="target"/>, or removes it
    /// from the target when the source has none: the engine's processIgnoreChanges.
    /// </summary>
    public void CopyOrRemove(Struct source, Struct target) => Apply(Value.ForStruct(source), Value.ForStruct(target), 0);

    private void Apply(Value? source, Value target, int depth)
    {
        var segment = Segments[depth];
        var last = depth == Segments.Count - 1;
        source = source is null ? null : PropertyValues.Unwrap(source);
        var container = PropertyValues.Unwrap(target);

        if (segment is Wildcard)
        {
            if (container.KindCase == Value.KindOneofCase.StructValue)
            {
                var keys = container.StructValue.Fields.Keys.ToList();
                if (source?.KindCase == Value.KindOneofCase.StructValue)
                    keys = keys.Union(source.StructValue.Fields.Keys).ToList();
                foreach (var key in keys)
                    ApplyKey(source, container, key, last, depth);
            }
            else if (container.KindCase == Value.KindOneofCase.ListValue)
            {
                for (var i = 0; i < container.ListValue.Values.Count; i++)
                    ApplyIndex(source, container, i, last, depth);
            }
            return;
        }
        if (segment is Key k && container.KindCase == Value.KindOneofCase.StructValue)
            ApplyKey(source, container, k.Name, last, depth);
        else if (segment is Index ix && container.KindCase == Value.KindOneofCase.ListValue)
            ApplyIndex(source, container, ix.Position, last, depth);
    }

    private void ApplyKey(Value? source, Value container, string key, bool last, int depth)
    {
        Value? old = source?.KindCase == Value.KindOneofCase.StructValue && source.StructValue.Fields.TryGetValue(key, out var o) ? o : null;
        var fields = container.StructValue.Fields;
        if (last)
        {
            if (old is null)
                fields.Remove(key);
            else
                fields[key] = old.Clone();
            return;
        }
        if (!fields.TryGetValue(key, out var child))
        {
            if (old is null)
                return;
            child = PropertyValues.Unwrap(old).KindCase == Value.KindOneofCase.ListValue ? Value.ForList() : Value.ForStruct(new Struct());
            fields[key] = child;
        }
        Apply(old, child, depth + 1);
    }

    private void ApplyIndex(Value? source, Value container, int index, bool last, int depth)
    {
        var items = container.ListValue.Values;
        Value? old = source?.KindCase == Value.KindOneofCase.ListValue && index < source.ListValue.Values.Count ? source.ListValue.Values[index] : null;
        if (index >= items.Count)
            return;
        if (last)
        {
            if (old is not null)
                items[index] = old.Clone();
            return;
        }
        Apply(old, items[index], depth + 1);
    }
}
