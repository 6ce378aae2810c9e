using System.Text;
using Mvm.Tests.Unit.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// Apt argv, dpkg-query and APT::Status-Fd parsing and error mapping, over output captured from
/// apt 2.6.1 / dpkg 1.21.23 on a lab host (Fixtures/Apt); and the detached-job runner that
/// carries apt's and qemu-img's progress, against this machine's real bash.
/// </summary>
public class AptTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Apt", name));

    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);

    private static CommandResult Result(IReadOnlyList<string> argv, int exit, string stdout, string stderr = "") =>
        new("h1", argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    // What the lab host answered, with the clock it reported right after.
    private static ScriptResult Captured(IReadOnlyList<string> packages, string? lists = null, long clock = 1795244392) => new(
    [
        Result(Apt.QueryArgv(packages), 1, Fixture("dpkg-query-1.21.23-status.out"), Fixture("dpkg-query-1.21.23-status.stderr")),
        Result(Apt.ListsArgv, 0, lists ?? Fixture("apt-lists-find-debian-12.txt")),
        Result(Apt.ClockArgv, 0, clock + "\n"),
    ]);

    [Fact]
    public void ReadsInstalledAndMissingPackagesInTheOrderAsked()
    {
        string[] asked = ["openvswitch-switch", "hello", "qemu-utils", "libc6"];
        var state = Apt.FromResults("h1", asked, Captured(asked));
        Assert.Equal(asked, state.Packages.Select(p => p.Name));
        Assert.Equal([true, false, true, true], state.Packages.Select(p => p.Installed));
        Assert.Equal(["3.1.0-2+deb12u1", null, "1:7.2+dfsg-7+deb12u18+b3", "2.36-9+deb12u14"], state.Packages.Select(p => p.Version));
        Assert.Equal("ii ", state.Packages[0].StatusAbbrev);
    }

    [Fact]
    public void OnlyAFullyInstalledPackageCountsAsInstalled()
    {
        var s = Apt.ParseDpkgQuery("ii \ta\t1\nrc \tb\t2\niU \tc\t3\niF \td\t4\niiR\te\t5\nun \tf\t\n");
        Assert.Equal([true, false, false, false, false, false], new[] { "a", "b", "c", "d", "e", "f" }.Select(n => s[n].Installed));
        Assert.Null(s["f"].Version);
    }

    [Fact]
    public void DecidesWhenThePackageListsNeedAnUpdate()
    {
        string[] asked = ["hello"];
        var fresh = Apt.FromResults("h1", asked, Captured(asked));
        Assert.True(fresh.HasIndexes);
        Assert.True(fresh.ListsFresh(TimeSpan.FromHours(24)));
        // Judged by the host's clock, not this machine's.
        Assert.False(Apt.FromResults("h1", asked, Captured(asked, clock: 1795244392 + 2 * 86400)).ListsFresh(TimeSpan.FromHours(24)));
        // A fresh image: the directory exists, with no index in it.
        var empty = Apt.FromResults("h1", asked, Captured(asked, lists: "1795240000.1\tlists\n1795240000.2\tpartial\n1795244358.8\tlock\n"));
        Assert.False(empty.HasIndexes);
        Assert.False(empty.ListsFresh(TimeSpan.FromHours(24)));
    }

    [Fact]
    public void ReadsAptStatusFdProgress()
    {
        var text = Fixture("apt-2.6.1-install-status-fd.txt");
        Assert.Equal(new AptProgress(AptPhase.Installing, 98.4615, "Installed openvswitch-switch (amd64)"), Apt.ParseStatusFd(text));
        // A tail cut mid-line at both ends, as a poll sees it while apt runs.
        var download = text.IndexOf("dlstatus:9:", StringComparison.Ordinal);
        Assert.Equal(new AptProgress(AptPhase.Downloading, 37.5006, "Retrieving file 9 of 16"), Apt.ParseStatusFd(text.Substring(download - 5, 60)));
        Assert.Null(Apt.ParseStatusFd("pmstatus:kmod:1.5"));
        Assert.Null(Apt.ParseStatusFd(""));
    }

    [Fact]
    public void ReadsWhoHoldsTheLockAptWaitsFor()
    {
        // apt-get install waiting (DPkg::Lock::Timeout) while another process held the dpkg lock, as a poll sees it:
        // the last line of stdout, nothing on fd 3 yet.
        var waiting = Fixture("apt-2.6.1-install-lock-wait.out").Split('\n')[0];
        Assert.Equal(new AptProgress(AptPhase.WaitingForLock, 0, "the dpkg lock is held by process 190 (python3)"),
            Apt.ReadProgress(new JobPoll("", waiting), AptPhase.Installing));
        Assert.Equal("waiting for another apt to finish: the dpkg lock is held by process 190 (python3) (12 s)",
            (Apt.ReadProgress(new JobPoll("", waiting), AptPhase.Installing)! with { Elapsed = TimeSpan.FromSeconds(12) }).ToString());
        // Once apt has the lock, stdout moves on and fd 3 speaks.
        Assert.Equal(new AptProgress(AptPhase.Installing, 98.4615, "Installed openvswitch-switch (amd64)"),
            Apt.ReadProgress(new JobPoll(Fixture("apt-2.6.1-install-status-fd.txt"), "Setting up openvswitch-switch (3.1.0-2+deb12u1) ..."), AptPhase.Installing));
        // apt-get update does not wait for the lists lock: it fails, naming the holder.
        Assert.Equal("process 566 (python3)", Apt.LockHolder(Fixture("apt-2.6.1-update-lists-locked.stderr")));
        Assert.Null(Apt.LockHolder(Fixture("apt-2.6.1-install-unknown.stderr")));
    }

    [Fact]
    public void UpdateDownloadsAreReportedAsUpdatingLists()
    {
        var p = Apt.ReadProgress(new JobPoll(Fixture("apt-2.6.1-update-status-fd.txt"), "Get:9 http://deb.debian.org/debian-security bookworm-security/main Translation-en [243 kB]"), AptPhase.UpdatingLists);
        Assert.Equal(new AptProgress(AptPhase.UpdatingLists, 100, "Retrieving file 12 of 12"), p);
        Assert.Null(Apt.ReadProgress(new JobPoll("", ""), AptPhase.UpdatingLists));
    }

    [Fact]
    public void ProgressIsPassedOnWhenItChangesAndRepeatedWhenAptSaysNothingNew()
    {
        // The captured install's status lines, one per second, then 30 s in which apt says nothing new
        // (a long unpack, a slow mirror), with polls every second.
        var lines = Fixture("apt-2.6.1-install-status-fd.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var t0 = new DateTime(2026, 12, 7, 14, 0, 0, DateTimeKind.Utc);
        var pacer = new AptProgressPacer(AptPhase.Installing, t0, TimeSpan.FromSeconds(5));
        var sent = new List<(DateTime At, AptProgress P)>();
        var polls = lines.Select(l => Apt.ParseStatusFd(l + "\n")).Concat(Enumerable.Repeat<AptProgress?>(null, 30)).ToList();
        for (var i = 0; i < polls.Count; i++)
            if (pacer.Next(polls[i], t0.AddSeconds(i + 1)) is { } p) sent.Add((t0.AddSeconds(i + 1), p));

        // Every distinct reading went out once, in order; repeats of one reading only as heartbeats.
        var distinct = lines.Distinct().Count();
        Assert.Equal(distinct, sent.Select(s => s.P with { Elapsed = null }).Distinct().Count());
        Assert.All(sent.Zip(sent.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At <= TimeSpan.FromSeconds(5), $"gap before {pair.Second.P}"));
        // The quiet end: the last reading again every 5 s, with the time spent.
        var quiet = sent.Where(s => s.At > t0.AddSeconds(lines.Length)).ToList();
        Assert.Equal(6, quiet.Count);
        Assert.All(quiet, q => Assert.Equal("Installed openvswitch-switch (amd64)", q.P.Message));
        Assert.Equal(TimeSpan.FromSeconds(polls.Count), sent[^1].P.Elapsed);
        Assert.EndsWith($"({polls.Count} s)", sent[^1].P.ToString());
    }

    [Fact]
    public void BeforeAptSaysAnythingItIsReportedAsStartingAfterTheHeartbeat()
    {
        var t0 = DateTime.UnixEpoch;
        var pacer = new AptProgressPacer(AptPhase.Installing, t0, TimeSpan.FromSeconds(5));
        Assert.Null(pacer.Next(null, t0.AddSeconds(1)));
        Assert.Null(pacer.Next(null, t0.AddSeconds(4)));
        Assert.Equal("installing 0%: starting apt-get (5 s)", pacer.Next(null, t0.AddSeconds(5))!.ToString());
        Assert.Null(pacer.Next(null, t0.AddSeconds(6)));
    }

    [Fact]
    public void InstallArgvIsNoninteractiveKeepsConfigAndReportsProgressOnFd3()
    {
        Assert.Equal(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
                "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "-o", "DPkg::Lock::Timeout=600",
                "-o", "APT::Status-Fd=3", "--no-install-recommends", "--", "openvswitch-switch", "qemu-utils"],
            Apt.InstallArgv(["openvswitch-switch", "qemu-utils"], installRecommends: false));
        Assert.DoesNotContain("--no-install-recommends", Apt.InstallArgv(["hello"], installRecommends: true));
        Assert.Equal(["dpkg-query", "-W", "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\n", "--", "libc6:amd64"], Apt.QueryArgv(["libc6:amd64"]));
        Assert.Equal(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=600", "-o", "APT::Status-Fd=3"], Apt.UpdateArgv());
    }

    [Theory]
    [InlineData("-bogus")]
    [InlineData("Hello")]
    [InlineData("a")]
    [InlineData("qemu utils")]
    [InlineData("x;reboot")]
    [InlineData("pkg=1.0")]
    public void RefusesWhatIsNotAPackageName(string name) => Assert.Throws<ArgumentException>(() => Apt.InstallArgv([name], true));

    [Fact]
    public void AnUnknownPackageIsObjectNotFound()
    {
        var e = Assert.Throws<ObjectNotFoundException>(() => Apt.Check(Result(Apt.InstallArgv(["no-such-package-mvm"], true), 100,
            Fixture("apt-2.6.1-install-unknown.out"), Fixture("apt-2.6.1-install-unknown.stderr"))));
        Assert.Equal(("package", "no-such-package-mvm", "apt-get"), (e.Kind, e.Name, e.Tool));
        Assert.Contains("E: Unable to locate package no-such-package-mvm", e.Message);
        var several = Assert.Throws<ObjectNotFoundException>(() => Apt.Check(Result([], 100, "",
            "E: Unable to locate package a1\nE: Package 'b2' has no installation candidate\n")));
        Assert.Equal(("packages", "a1, b2"), (several.Kind, several.Name));
        Assert.Throws<ToolMissingException>(() => Apt.Check(Result([], 127, "", "env: 'apt-get': No such file or directory\n")));
        Assert.Throws<RemoteCommandFailedException>(() => Apt.Check(Result(["apt-get"], 100, "", "E: Could not get lock /var/lib/dpkg/lock-frontend.\n")));
    }

    [Fact]
    public void TheInstalledLineIsOneReadableLineWhateverThePackageCount()
    {
        // A fresh host's Ceph + QEMU + libvirt install: dozens of packages, long names and versions.
        var newly = Enumerable.Range(1, 40).Select(i => new PackageStatus($"librados-example-package-{i}", true, $"18.2.4+ds-{i}~deb12u1", "ii ")).ToList();
        var summary = new AptInstallResult("h1", newly, newly, ListsUpdated: true).Summary;
        Assert.True(summary.Length <= 160, $"{summary.Length} characters: {summary}");
        Assert.StartsWith("h1: installed 40 packages: librados-example-package-1, librados-example-package-2, ", summary);
        Assert.DoesNotContain("18.2.4", summary); // a cut list names packages only
        Assert.Matches(@" and 3[0-9] more \(package lists updated first\)\z", summary);

        var few = newly.Take(2).ToList();
        Assert.Equal("h1: installed librados-example-package-1 18.2.4+ds-1~deb12u1, librados-example-package-2 18.2.4+ds-2~deb12u1",
            new AptInstallResult("h1", few, few, ListsUpdated: false).Summary);
    }

    [Fact]
    public async Task InstallingWhatIsInstalledRunsNoAptGet()
    {
        // This machine's real dpkg, through the same one-round-trip script the provider sends.
        var host = new RecordingHost(new LocalHost());
        var result = await new Apt(host).InstallAsync(["bash", "coreutils"], T, default);
        Assert.True(result.NothingToDo);
        Assert.False(result.ListsUpdated);
        Assert.All(result.Packages, p => Assert.True(p.Installed));
        Assert.Matches(@"^local: bash \S+, coreutils \S+ already installed; nothing to do$", result.Summary);
        Assert.Equal(["bash -s"], host.Commands);
    }

    [Fact]
    public async Task ARemoteJobReportsProgressWhileItRunsAndReturnsItsOutput()
    {
        var host = new RecordingHost(new LocalHost());
        var seen = new List<string>();
        var result = await RemoteJob.RunAsync(host,
            ["bash", "-c", "for i in 1 2 3 4; do echo \"step $i\" >&3; sleep 0.3; done; echo out; echo err >&2; exit 7"],
            RemoteJob.Stream.Fd3, tail => seen.Add(tail.TrimEnd().Split('\n')[^1]), T, default, TimeSpan.FromMilliseconds(200));
        Assert.Equal((7, "out\n", "err\n"), (result.ExitCode, result.StdoutText, result.StderrText));
        Assert.True(seen.Distinct().Count() >= 2, $"progress seen: {string.Join(" | ", seen)}");
        Assert.Equal("step 4", seen[^1]);
        // Its files are gone once the result is in.
        var dir = host.Outputs[0].Trim();
        Assert.StartsWith("/", dir);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task ARemoteJobShowsTheLastLineItPrintedWhileItRuns()
    {
        var seen = new List<JobPoll>();
        await RemoteJob.RunWithPollsAsync(new LocalHost(),
            ["bash", "-c", "printf 'Reading database ... 5%%\\rReading database ... 95%%\\r'; echo 'Waiting for cache lock: held'; sleep 1.5; echo done"],
            RemoteJob.Stream.Fd3, p => { lock (seen) seen.Add(p); }, T, default, TimeSpan.FromMilliseconds(200));
        // Polls while it waited saw its last line, with nothing on fd 3; the last poll sees the final line.
        Assert.Contains(seen, p => p is { LastOutputLine: "Waiting for cache lock: held", Tail: "" });
        Assert.Equal("done", seen[^1].LastOutputLine);
        Assert.Equal(("running", "Reading database ... 95%", "dlstatus:1:2:x\n"), RemoteJob.ParsePoll("running\nReading database ... 95%\ndlstatus:1:2:x\n"));
        Assert.Equal(("gone", "", ""), RemoteJob.ParsePoll("gone\n"));
    }

    [Fact]
    public async Task ARemoteJobIsStoppedOnCancelAndOnTimeout()
    {
        var marker = Path.Combine(Path.GetTempPath(), "mvm-job-test-" + Guid.NewGuid().ToString("N"));
        // The command outlives any scheduling delay in acting on the cancel: a job that simply
        // finished before the cancel was seen would not be "running on".
        string[] argv = ["bash", "-c", "sleep 3; touch \"$0\"", marker];
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RemoteJob.RunAsync(new LocalHost(), argv, RemoteJob.Stream.Stdout, null, T, cts.Token));
        // The call returns only once the command is gone.
        Assert.Empty(ProcessesMentioning(marker));
        var timedOut = await Assert.ThrowsAsync<CommandTimedOutException>(() => RemoteJob.RunAsync(new LocalHost(), argv, RemoteJob.Stream.Stdout, null, TimeSpan.FromMilliseconds(300), default));
        Assert.Contains("stopped on the host", timedOut.Message);
        Assert.Empty(ProcessesMentioning(marker));
        await Task.Delay(3200);
        Assert.False(File.Exists(marker), "the command ran on after cancel/timeout");
    }

    private static IReadOnlyList<string> ProcessesMentioning(string needle) =>
        Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).Select(d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { return ""; }
            catch (UnauthorizedAccessException) { return ""; }
        }).Where(c => c.Contains(needle, StringComparison.Ordinal)).ToList();

    /// <summary>Passes commands through to another host and records each command's argv (program and first argument) and stdout.</summary>
    private sealed class RecordingHost(IHost inner) : IHost
    {
        public List<string> Commands { get; } = [];
        public List<string> Outputs { get; } = [];
        public string Name => inner.Name;

        public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
        {
            lock (Commands) Commands.Add(string.Join(' ', argv.Take(2)));
            var r = await inner.RunAsync(argv, stdin, timeout, ct);
            lock (Outputs) Outputs.Add(r.StdoutText);
            return r;
        }
    }
}
