using Google.Protobuf.WellKnownTypes;
using Kind = Mvm.Protocol.Wire.PropertyDiff.Types.Kind;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// The engine's reading of a DiffResponse (doc §5): DIFF_UNKNOWN falls back to comparing old and new inputs
/// (update, never replace); replace when `replaces` is non-empty or a detailedDiff kind is *_REPLACE;
/// replaceOnChanges upgrades matching keys to replacements.
/// </summary>
public sealed record DiffOutcome(bool HasChanges, bool Replace, bool DeleteBeforeReplace, IReadOnlyList<PropertyChange> Changes, IReadOnlyList<string> ReplaceKeys)
{
    public static DiffOutcome None { get; } = new(false, false, false, [], []);

    public static DiffOutcome From(DiffResponse response, Struct oldInputs, Struct newInputs, IReadOnlyList<string> replaceOnChanges)
    {
        var changes = ChangesOf(response);
        var hasChanges = response.Changes switch
        {
            DiffResponse.Types.DiffChanges.DiffSome => true,
            DiffResponse.Types.DiffChanges.DiffNone => false,
            _ => FallbackChanges(oldInputs, newInputs, out changes),
        };
        if (response.Changes == DiffResponse.Types.DiffChanges.DiffUnknown && response.Replaces.Count > 0)
            hasChanges = true;

        var replaceKeys = response.Replaces.ToList();
        if (hasChanges && replaceOnChanges.Count > 0)
        {
            // replaceOnChanges is applied engine-side to `diffs` and `detailedDiff`.
            var upgraded = new List<PropertyChange>();
            foreach (var c in changes)
            {
                if (!c.IsReplace && MatchesAny(c.Path, replaceOnChanges))
                {
                    upgraded.Add(c with { Kind = ToReplace(c.Kind) });
                    replaceKeys.Add(c.Path);
                }
                else
                {
                    upgraded.Add(c);
                }
            }
            changes = upgraded;
        }
        var replace = hasChanges && (replaceKeys.Count > 0 || changes.Any(c => c.IsReplace));
        return new DiffOutcome(hasChanges, replace, response.DeleteBeforeReplace, changes, replaceKeys.Distinct().ToList());
    }

    /// <summary>detailedDiff when present, else `diffs` (top-level keys) as updates.</summary>
    public static List<PropertyChange> ChangesOf(DiffResponse response)
    {
        if (response.HasDetailedDiff || response.DetailedDiff.Count > 0)
        {
            return response.DetailedDiff.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new PropertyChange(kv.Key, kv.Value.Kind, kv.Value.InputDiff)).ToList();
        }
        return response.Diffs.Select(d => new PropertyChange(d, response.Replaces.Contains(d) ? Kind.UpdateReplace : Kind.Update, false)).ToList();
    }

    /// <summary>For refresh drift: the diff describes refreshed → program; the user wants program → refreshed.</summary>
    public static IReadOnlyList<PropertyChange> Invert(IEnumerable<PropertyChange> changes)
        => changes.Select(c => c with
        {
            Kind = c.Kind switch
            {
                Kind.Add => Kind.Delete,
                Kind.AddReplace => Kind.DeleteReplace,
                Kind.Delete => Kind.Add,
                Kind.DeleteReplace => Kind.AddReplace,
                _ => c.Kind,
            },
        }).ToList();

    /// <summary>Engine-side top-level comparison of inputs, used for DIFF_UNKNOWN.</summary>
    public static bool FallbackChanges(Struct oldInputs, Struct newInputs, out List<PropertyChange> changes)
    {
        changes = [];
        foreach (var key in oldInputs.Fields.Keys.Union(newInputs.Fields.Keys).OrderBy(k => k, StringComparer.Ordinal))
        {
            var had = oldInputs.Fields.TryGetValue(key, out var o);
            var has = newInputs.Fields.TryGetValue(key, out var n);
            if (had && has && o!.Equals(n))
                continue;
            // An unknown new value might equal the old one, but the engine still counts it as a change.
            changes.Add(new PropertyChange(key, !had ? Kind.Add : !has ? Kind.Delete : Kind.Update, true));
        }
        return changes.Count > 0;
    }

    private static bool MatchesAny(string path, IReadOnlyList<string> patterns)
        => patterns.Any(p => p == "*" || path == p || path.StartsWith(p + ".", StringComparison.Ordinal) || path.StartsWith(p + "[", StringComparison.Ordinal));

    private static Kind ToReplace(Kind kind) => kind switch
    {
        Kind.Add => Kind.AddReplace,
        Kind.Delete => Kind.DeleteReplace,
        _ => Kind.UpdateReplace,
    };
}
