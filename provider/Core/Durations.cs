using System.Globalization;
using System.Text.RegularExpressions;

namespace Mvm.Core;

/// <summary>Durations as users write them in Pulumi (`90s`, `5m`, `1h30m`); a bare number is seconds.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        // A number too large for a TimeSpan ("99999999999h") is not a duration, not a crash of Check.
        try
        {
            return TryParseParts(text, out value);
        }
        catch (OverflowException)
        {
            value = TimeSpan.Zero;
            return false;
        }
    }

    private static bool TryParseParts(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds < 0 || double.IsNaN(seconds)) return false;
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var matches = Part().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text) return false;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.Zero,
            };
        }
        return true;
    }

    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes}m" :
        t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds}s" :
        t.TotalSeconds >= 1 ? $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s"
            : $"{(int)t.TotalMilliseconds}ms";

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)")]
    private static partial Regex Part();
}
