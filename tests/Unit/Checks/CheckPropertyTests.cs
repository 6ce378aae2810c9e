using System.Globalization;
using Xunit.Abstractions;
using Mvm.Core;

namespace Mvm.Tests.Unit.Checks;

/// <summary>
/// Property-based Check tests: for every validated string field, generated values (valid ones,
/// the same with a final "\n", a leading '-', control characters, quotes or Unicode, random text
/// of 0-300 characters, hostile strings). Rejected ones must fail on the field's own path with the
/// value quoted, escaped and cut; accepted ones must satisfy the rule of the tools the field
/// reaches (<see cref="ToolRules"/>). The seed is printed; `MVM_CHECK_SEED=n` replays a run.
/// </summary>
public sealed class CheckPropertyTests(ITestOutputHelper output)
{
    private const int PerField = 300;
    private const int DefaultSeed = 20261207;

    public static TheoryData<string> Fields() => new(CheckedFields.All().Select(f => f.Name));

    private static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("MVM_CHECK_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

    [Theory]
    [MemberData(nameof(Fields))]
    public void CheckAcceptsOnlyWhatTheToolsTakeAndNamesThePropertyOfWhatItRefuses(string name)
    {
        var field = CheckedFields.All().Single(f => f.Name == name);
        var seed = Seed() ^ StableHash(name);
        output.WriteLine($"{name}: seed {seed} (MVM_CHECK_SEED={Seed()})");
        var gen = new ValueGenerator(seed);
        int accepted = 0, refused = 0;
        var problems = new List<string>();
        for (var i = 0; i < PerField && problems.Count < 10; i++)
        {
            var value = gen.Next(field.Valid);
            var failures = field.Check(value);
            var where = $"#{i} {Quoted.Value(value)} (length {value.Length}, seed {seed})";
            if (failures.Count == 0)
            {
                accepted++;
                if (!field.ToolsTake(value)) problems.Add($"{where}: Check accepted a value the tools refuse");
                continue;
            }
            refused++;
            var path = field.PathFor(value);
            var own = failures.Where(f => f.Property == path).ToList();
            if (own.Count == 0)
                problems.Add($"{where}: refused, but on {string.Join(", ", failures.Select(f => f.Property))} instead of {path}: {failures[0].Reason}");
            else if (!field.Secret && !own.Any(f => f.Reason.Contains(Quoted.Value(value), StringComparison.Ordinal)))
                problems.Add($"{where}: the message does not quote the value escaped and cut: {own[0].Reason}");
            foreach (var f in failures.Where(f => f.Reason.Any(char.IsControl) || f.Property.Any(char.IsControl)))
                problems.Add($"{where}: a raw control character in the failure {Quoted.Value(f.Property)}: {Quoted.Value(f.Reason)}");
            if (field.Secret && own.Any(f => value.Length > 3 && f.Reason.Contains(value, StringComparison.Ordinal)))
                problems.Add($"{where}: a secret value was repeated in the message");
        }
        output.WriteLine($"{accepted} accepted, {refused} refused");
        Assert.True(problems.Count == 0, $"{name} (seed {seed}):\n" + string.Join("\n", problems));
        Assert.True(accepted >= PerField / 10, $"{name}: only {accepted} of {PerField} generated values were accepted (seed {seed}): the generator's valid values do not pass Check");
        Assert.True(refused >= PerField / 10, $"{name}: only {refused} of {PerField} generated values were refused (seed {seed})");
    }

    /// <summary>The bug class by itself: a valid value with a final newline passes no field.</summary>
    [Theory]
    [MemberData(nameof(Fields))]
    public void NoFieldTakesAValidValueEndingInANewline(string name)
    {
        var field = CheckedFields.All().Single(f => f.Name == name);
        var r = new Random(Seed() ^ StableHash(name));
        for (var i = 0; i < 20; i++)
        {
            var valid = field.Valid(r);
            Assert.True(field.Check(valid).Count == 0, $"{name}: the valid value {Quoted.Value(valid)} was refused: {string.Join("; ", field.Check(valid).Select(f => f.Reason))}");
            if (field.ToolsTake(valid + "\n")) continue; // a field that never reaches a host as text may trim it
            var failures = field.Check(valid + "\n");
            Assert.True(failures.Any(f => f.Property == field.PathFor(valid + "\n")), $"{name}: {Quoted.Value(valid + "\n")} was accepted");
        }
    }

    // string.GetHashCode differs per process; seeds must not.
    private static int StableHash(string s) => s.Aggregate(17, (h, c) => unchecked(h * 31 + c));
}
