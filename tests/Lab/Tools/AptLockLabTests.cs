using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Provider;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// Another apt holding its locks, as unattended-upgrades does on a fresh machine, on h8: lab-up's
/// prerequisite install and the provider's Apt client both wait for it, say whom they wait for,
/// and the provider keeps reporting progress (at least every 10 s) through the wait and the install.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AptLockLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private const string Probe = "hello";

    private LabHost H8 => lab.Hosts.SingleOrDefault(h => h.Name == "h8") ?? throw new InvalidOperationException("this test needs lab host h8");

    // Holds the given apt/dpkg lock files (fcntl locks, as apt takes them) for the given seconds each, in order, detached.
    private void HoldLocks(params (string File, int Seconds)[] locks)
    {
        var plan = string.Join(",", locks.Select(l => $"(\"{l.File}\", {l.Seconds})"));
        var python = $$"""
            import fcntl, time
            for path, seconds in [{{plan}}]:
                with open(path, "w") as f:
                    fcntl.lockf(f, fcntl.LOCK_EX)
                    time.sleep(seconds)
            """;
        Assert.Equal(0, lab.Exec(H8, "bash", "-c", "setsid python3 -c \"$0\" </dev/null >/dev/null 2>&1 & sleep 0.5", python).Exit);
    }

    [Fact]
    public void LabUpsPrerequisiteInstallWaitsForAnotherAptAndSaysWhoHoldsTheLock()
    {
        lab.Exec(H8, "apt-get", "purge", "-y", "-q", Probe);
        var lib = File.ReadAllText(Path.Combine(LabProgram.RepoRoot, "tests", "lab", "lib.sh"));
        // The lists lock first (apt-get update fails at once on it), then the dpkg lock (apt-get install waits).
        HoldLocks(("/var/lib/apt/lists/lock", 4), ("/var/lib/dpkg/lock-frontend", 8));
        var sw = Stopwatch.StartNew();
        var (exit, text) = lab.Exec(H8, "bash", "-c", """
            set -euo pipefail
            lib=$(mktemp); printf '%s' "$0" >"$lib"; source "$lib"; rm -f "$lib"
            lab_missing_prereqs() { command -v hello >/dev/null || echo hello; }
            LAB_PREREQ_PACKAGES=(hello)
            lab_install_prereqs
            hello
            """, lib);
        output.WriteLine($"{sw.Elapsed.TotalSeconds:0.0} s, exit {exit}:\n{text}");
        Assert.Equal(0, exit);
        Assert.Matches(@"waiting for another apt to finish \(the apt lock is held by process \d+ \(python3\)", text);
        Assert.Matches(@"waiting for another apt to finish \(the dpkg lock is held by process \d+ \(python3\)", text);
        Assert.Contains("Hello, world!", text);
    }

    [Fact]
    public async Task TheProviderWaitsForTheDpkgLockAndReportsProgressAtLeastEvery10Seconds()
    {
        // A fresh host: no package indexes, the probe not installed; another apt holds the dpkg lock for 25 s.
        Assert.Equal(0, lab.Exec(H8, "find", "/var/lib/apt/lists", "-maxdepth", "1", "-type", "f", "-name", "*_*", "-delete").Exit);
        lab.Exec(H8, "apt-get", "purge", "-y", "-q", Probe);
        await using var transport = new SshTransport();
        var apt = new Apt(transport.Host(lab.Target(H8)));
        var events = new List<(TimeSpan At, AptProgress P)>();
        HoldLocks(("/var/lib/dpkg/lock-frontend", 25));
        var sw = Stopwatch.StartNew();
        var result = await apt.InstallAsync([Probe], TimeSpan.FromMinutes(5), default, p => { lock (events) events.Add((sw.Elapsed, p)); }, installRecommends: false);
        var total = sw.Elapsed;
        foreach (var (at, p) in events) output.WriteLine($"  {at.TotalSeconds,5:0.0} s  {p}");
        output.WriteLine($"{total.TotalSeconds:0.0} s: {result.Summary}");

        Assert.Contains(result.NewlyInstalled, p => p.Name == Probe);
        Assert.Contains(events, e => e.P.Phase == AptPhase.WaitingForLock && e.P.Message.EndsWith("(python3)", StringComparison.Ordinal) && e.P.Message.Contains("dpkg lock", StringComparison.Ordinal));
        Assert.Contains(events, e => e.P.Phase == AptPhase.UpdatingLists && e.P.Percent > 0);
        // apt's own words for the package (which of Unpacking/Installed a poll catches depends on timing).
        Assert.Contains(events, e => e.P.Phase == AptPhase.Installing && e.P.Message.EndsWith("hello (amd64)", StringComparison.Ordinal));
        var times = events.Select(e => e.At).Prepend(TimeSpan.Zero).Append(total).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Max() <= TimeSpan.FromSeconds(10), $"longest stretch without progress: {gaps.Max().TotalSeconds:0.0} s");
    }

    public void Dispose() => lab.Exec(H8, "apt-get", "purge", "-y", "-q", Probe);
}
