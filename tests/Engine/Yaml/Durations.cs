using System.Globalization;
using System.Text.RegularExpressions;

namespace Mvm.EngineHarness.Yaml;

/// <summary>Go time.ParseDuration syntax ("5m", "1h30m", "1.5s", "300ms"), which customTimeouts use; result in seconds.</summary>
public static partial class Durations
{
    public static double ParseSeconds(string text)
    {
        var s = text.Trim();
        if (s is "0" or "")
            return 0;
        var matches = Part().Matches(s);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != s)
            throw new FormatException($"invalid duration \"{text}\" (expected e.g. 30s, 5m, 1h30m)");
        double total = 0;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += n * m.Groups[2].Value switch
            {
                "ns" => 1e-9,
                "us" or "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => throw new FormatException($"invalid duration unit in \"{text}\""),
            };
        }
        return total;
    }

    [GeneratedRegex(@"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex Part();
}
