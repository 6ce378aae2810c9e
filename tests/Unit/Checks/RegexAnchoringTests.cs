using System.Reflection;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Tests.Unit.Checks;

/// <summary>
/// .NET's `$` also matches before a final "\n", and `^…$` validation let "web\n" through every
/// name check. Every pattern in the provider — source-generated or built — is scanned: `^` and `$`
/// only with RegexOptions.Multiline (line-by-line parsing), `\A` and `\z` otherwise.
/// </summary>
public sealed class RegexAnchoringTests
{
    private static readonly Assembly Provider = typeof(WholeValue).Assembly;

    /// <summary>Positions of `^` or `$` used as anchors (not escaped, not inside a character class).</summary>
    public static IReadOnlyList<int> LineAnchors(string pattern)
    {
        var found = new List<int>();
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\') { i++; continue; }
            if (inClass) { if (c == ']') inClass = false; continue; }
            if (c == '[') { inClass = true; if (i + 1 < pattern.Length && pattern[i + 1] == '^') i++; if (i + 1 < pattern.Length && pattern[i + 1] == ']') i++; continue; }
            if (c is '^' or '$') found.Add(i);
        }
        return found;
    }

    private static IEnumerable<(string Where, Regex Regex)> GeneratedPatterns() =>
        Provider.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<GeneratedRegexAttribute>() is not null)
            .Select(m => ($"{m.DeclaringType!.FullName}.{m.Name}", (Regex)m.Invoke(null, null)!));

    private static IEnumerable<(string Where, Regex Regex)> FieldPatterns() =>
        Provider.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(f => !t.ContainsGenericParameters)
                .SelectMany(f => RegexesIn(f.GetValue(null)).Select(r => ($"{t.FullName}.{f.Name}", r))));

    private static IEnumerable<Regex> RegexesIn(object? value) => value switch
    {
        Regex r => [r],
        System.Collections.IEnumerable items and not string => items.Cast<object?>().SelectMany(i => i switch
        {
            Regex r => [r],
            System.Runtime.CompilerServices.ITuple t => Enumerable.Range(0, t.Length).Select(k => t[k]).OfType<Regex>(),
            _ => [],
        }),
        _ => [],
    };

    [Fact]
    public void EveryProviderPatternAnchorsWithBackslashAAndZUnlessItParsesLines()
    {
        var all = GeneratedPatterns().Concat(FieldPatterns()).ToList();
        Assert.True(all.Count > 40, $"found only {all.Count} patterns: the scan no longer sees them");
        var bad = all.Where(p => !p.Regex.Options.HasFlag(RegexOptions.Multiline) && LineAnchors(p.Regex.ToString()).Count > 0)
            .Select(p => $"{p.Where}: {p.Regex}").ToList();
        Assert.True(bad.Count == 0, "patterns anchored with ^ or $ (use \\A and \\z):\n" + string.Join("\n", bad));
    }

    [Fact]
    public void NoSourceBuildsARegexTheScanCannotSee()
    {
        // Patterns built at run time (new Regex, Regex.IsMatch with a string) escape the
        // reflection scan above; the only one is PropertyPath.IsUnder's, checked below.
        var dir = Path.Combine(RepoPaths.Root, "provider");
        var built = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(dir, f), Line: i + 1, Text: line)))
            .Where(l => Regex.IsMatch(l.Text, @"Regex\.(IsMatch|Match|Matches|Replace|Split)\(|new Regex\("))
            .Select(l => l.File).Distinct().Order(StringComparer.Ordinal).ToList();
        // CephErrors' patterns are static fields, which the reflection scan reads.
        Assert.Equal(["Framework/PropertyPath.cs", "Tools/Ceph/CephErrors.cs"], built);
        Assert.False(PropertyPath.IsUnder("disks\n", "disks"));
        Assert.True(PropertyPath.IsUnder("disks[1].name", "disks[*]"));
    }

    [Theory]
    [InlineData("^[a-z]+$", "web\n")]
    [InlineData(@"\A[a-z]+\z", "web\n")]
    [InlineData("[a-z]+", "web-1")]
    public void WholeMatchNeedsTheWholeValueWhateverThePattern(string pattern, string value) =>
        Assert.False(new Regex(pattern).IsWholeMatch(value));

    [Fact]
    public void TheScannerSeesEscapesAndClasses()
    {
        Assert.Equal([0, 7], LineAnchors("^[a-z]+$"));
        Assert.Empty(LineAnchors(@"\A[^a$]\$\z"));
    }
}
