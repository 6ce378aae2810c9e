using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Runs engine operations of a lab test and keeps one figure line per operation: wall time, and
/// how much of it the provider reported as waiting for HEALTH_OK and as OSD removals.
/// </summary>
public sealed partial class LabTimer(ITestOutputHelper output, List<string>? figures = null)
{
    /// <summary>One line per operation; a staged test passes one list to every stage's timer.</summary>
    public List<string> Figures { get; } = figures ?? [];

    public async Task<DeploymentResult> TimedAsync(string what, LabProgram program, Func<Mvm.EngineHarness.Engine, Task<DeploymentResult>> op, bool expectSuccess = true)
    {
        var clock = Stopwatch.StartNew();
        var r = await program.RunAsync(op);
        clock.Stop();
        var line = $"{what}: {clock.Elapsed.TotalSeconds:0.0} s wall; waiting for HEALTH_OK {Sum(r, Waiting()):0.0} s; OSD removals {Sum(r, Removed()):0.0} s";
        Figures.Add(line);
        output.WriteLine(line);
        if (expectSuccess) Assert.True(r.Succeeded, $"{what} failed:\n{r.Transcript}");
        return r;
    }

    /// <summary>Seconds summed over the log lines the pattern's first group matches.</summary>
    public static double Sum(DeploymentResult r, Regex pattern) =>
        r.Logs.Select(l => pattern.Match(l.Message)).Where(m => m.Success).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"after ([\d.]+) s of waiting")]
    private static partial Regex Waiting();

    [GeneratedRegex(@"removed in ([\d.]+) s")]
    private static partial Regex Removed();
}
