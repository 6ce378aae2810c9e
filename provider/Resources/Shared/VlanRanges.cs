using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>An inclusive range of 802.1Q VLAN ids; a single id is a range of one.</summary>
public readonly record struct VlanRange(int First, int Last)
{
    public const int MinId = 1;
    public const int MaxId = 4094;

    public bool Overlaps(VlanRange other) => First <= other.Last && other.First <= Last;
    public IEnumerable<int> Ids => Enumerable.Range(First, Last - First + 1);
    public override string ToString() =>
        First == Last ? First.ToString(CultureInfo.InvariantCulture) : $"{First}-{Last}";
}

/// <summary>
/// Compute VLANs as users write them: each list item is one id ("22") or an inclusive range
/// ("22-25"). Ids are 1-4094 (0 and 4095 are reserved by 802.1Q); ranges must not be reversed
/// and items must not overlap.
/// </summary>
public static partial class VlanRanges
{
    /// <summary>Parses one item; on failure `error` says what is wrong and what is allowed.</summary>
    public static bool TryParse(string text, out VlanRange range, out string error)
    {
        range = default;
        var t = text.Trim();
        if (t.Contains(','))
        {
            error = $"{Quoted.Value(text)}: put each VLAN id or range in its own list item, e.g. [\"22\", \"30-32\"]";
            return false;
        }
        var m = Item().Match(t);
        if (!m.Success)
        {
            error = $"{Quoted.Value(text)}: expected a VLAN id like \"22\" or a range like \"22-25\"";
            return false;
        }
        if (!TryId(m.Groups[1].Value, out var first) |
            !TryId(m.Groups[2].Success ? m.Groups[2].Value : m.Groups[1].Value, out var last))
        {
            var bad = first is < VlanRange.MinId or > VlanRange.MaxId ? m.Groups[1].Value : m.Groups[2].Value;
            error = $"{Quoted.Value(text)}: VLAN ids are {VlanRange.MinId}-{VlanRange.MaxId}, got " +
                $"{bad.TrimStart('0').PadLeft(1, '0')}";
            return false;
        }
        if (first > last)
        {
            error = $"{Quoted.Value(text)}: the range is reversed; write \"{last}-{first}\"";
            return false;
        }
        range = new VlanRange(first, last);
        error = "";
        return true;
    }

    /// <summary>
    /// Checks a list of items, failing on the exact item (`computeVlans[1]`); returns the ranges that parsed.
    /// </summary>
    public static IReadOnlyList<VlanRange> Check(CheckContext ctx, string path, IReadOnlyList<string?>? items)
    {
        var ranges = new List<(VlanRange Range, int Index, string Text)>();
        if (items is null) return [];
        for (var i = 0; i < items.Count; i++)
        {
            var text = items[i];
            if (text is null) continue;
            var itemPath = PropertyPath.Index(path, i);
            if (!TryParse(text, out var range, out var error))
            {
                ctx.Fail(itemPath, error);
                continue;
            }
            var clash = ranges.FirstOrDefault(r => r.Range.Overlaps(range));
            if (clash.Text is not null)
                ctx.Fail(itemPath, $"{Quoted.Value(text)} overlaps {Quoted.Value(clash.Text)} " +
                    $"({PropertyPath.Index(path, clash.Index)}); list each VLAN id once");
            else ranges.Add((range, i, text));
        }
        return ranges.Select(r => r.Range).ToList();
    }

    /// <summary>Checks a single VLAN id.</summary>
    public static void CheckId(CheckContext ctx, string path, long? id) =>
        ctx.RequireRange(path, id, VlanRange.MinId, VlanRange.MaxId);

    private static bool TryId(string digits, out int id)
    {
        id = 0;
        // Up to 9 digits parses; anything longer is out of range anyway.
        if (digits.Length > 9) { id = int.MaxValue; return false; }
        id = int.Parse(digits, CultureInfo.InvariantCulture);
        return id is >= VlanRange.MinId and <= VlanRange.MaxId;
    }

    [GeneratedRegex(@"\A(\d+)(?:\s*-\s*(\d+))?\z")]
    private static partial Regex Item();
}
