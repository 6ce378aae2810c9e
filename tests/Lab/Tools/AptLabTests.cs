using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// The Apt client installing on a real host (h1) from empty package lists, with progress; then
/// the same call again as a no-op. The lab image has no OVS or qemu-utils: the tests install them
/// here, as the provider does, and the other tool tests reuse them.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AptLabTests(LabFixture lab, ITestOutputHelper output)
{
    // A small package with no dependencies beyond libc: proves a real download + dpkg run on
    // every test run, even when OVS and qemu-utils are already there from an earlier run.
    private const string Probe = "hello";

    [Fact]
    public async Task InstallsWhatIsMissingWithProgressFromEmptyListsThenIsANoOp()
    {
        // Start as a fresh cloud image does: no package indexes, and the probe not installed.
        Assert.Equal(0, lab.Exec(lab.H1, "find", "/var/lib/apt/lists", "-maxdepth", "1", "-type", "f", "-name", "*_*", "-delete").Exit);
        lab.Exec(lab.H1, "apt-get", "purge", "-y", "-q", Probe);

        await using var transport = new SshTransport();
        // As the sudo user: apt-get runs detached through `sudo -n` and must outlive the command that started it.
        var host = new CountingHost(transport.Host(lab.Target(lab.H1, c => c.SshUser = "mvm")));
        var apt = new Apt(host) { ProgressInterval = TimeSpan.FromMilliseconds(200) };
        var events = new List<AptProgress>();
        var sw = Stopwatch.StartNew();
        var first = await apt.InstallAsync(LabPackages.Tools.Append(Probe).ToList(), TimeSpan.FromMinutes(5), default, events.Add, installRecommends: false);
        output.WriteLine($"first install: {sw.Elapsed.TotalSeconds:0.0} s, {host.Count} commands; {first.Summary}");
        foreach (var e in events) output.WriteLine("  progress: " + e);

        Assert.True(first.ListsUpdated);
        Assert.False(first.NothingToDo);
        Assert.Contains(first.NewlyInstalled, p => p.Name == Probe);
        Assert.StartsWith("h1: installed ", first.Summary);
        Assert.Contains(events, e => e.Phase == AptPhase.UpdatingLists);
        Assert.Contains(events, e => e.Phase == AptPhase.Installing && e.Percent == 100);
        Assert.All(first.Packages, p => Assert.True(p.Installed));

        // On the host: dpkg has every package installed, at the version the client reported.
        foreach (var p in first.Packages)
            Assert.Equal("ii \t" + p.Version, lab.Exec(lab.H1, "dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Version}", p.Name).Output);
        Assert.Equal(0, lab.Exec(lab.H1, "test", "-x", "/usr/bin/" + Probe).Exit);

        // Again: one read-only round trip, no apt-get, and it says so.
        host.Count = 0;
        sw.Restart();
        var second = await apt.InstallAsync(LabPackages.Tools.Append(Probe).ToList(), TimeSpan.FromMinutes(5), default, events.Add);
        output.WriteLine($"second install: {sw.Elapsed.TotalMilliseconds:0} ms, {host.Count} command(s); {second.Summary}");
        Assert.True(second.NothingToDo);
        Assert.False(second.ListsUpdated);
        Assert.EndsWith("already installed; nothing to do", second.Summary);
        Assert.Equal(1, host.Count);

        Assert.Equal(first.Packages.Single(p => p.Name == Probe).Version, await apt.InstalledVersionAsync(Probe, TimeSpan.FromSeconds(30), default));

        Assert.Equal(0, lab.Exec(lab.H1, "apt-get", "purge", "-y", "-q", Probe).Exit);
        Assert.Null(await apt.InstalledVersionAsync(Probe, TimeSpan.FromSeconds(30), default));
    }

    [Fact]
    public async Task AnUnknownPackageIsObjectNotFoundAndNothingIsInstalled()
    {
        lab.Exec(lab.H1, "apt-get", "purge", "-y", "-q", Probe);
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() =>
            new Apt(host).InstallAsync(["no-such-package-mvm", Probe], TimeSpan.FromMinutes(2), default));
        output.WriteLine(e.Message);
        Assert.Equal(("package", "no-such-package-mvm", "h1"), (e.Kind, e.Name, e.HostName));
        // apt refuses the whole transaction: the known package was not installed either.
        Assert.NotEqual(0, lab.Exec(lab.H1, "dpkg-query", "-W", Probe).Exit);
    }

    /// <summary>Counts the commands sent to the host, to prove what a no-op costs.</summary>
    private sealed class CountingHost(IHost inner) : IHost
    {
        public int Count;
        public string Name => inner.Name;

        public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
        {
            Interlocked.Increment(ref Count);
            return inner.RunAsync(argv, stdin, timeout, ct);
        }
    }
}

/// <summary>The tools the other tool tests need on h1, installed through the Apt client (a no-op once there).</summary>
internal static class LabPackages
{
    public static readonly string[] Tools = ["openvswitch-switch", "qemu-utils"];

    public static async Task EnsureAsync(IHost host, ITestOutputHelper output)
    {
        var result = await new Apt(host).InstallAsync(Tools, TimeSpan.FromMinutes(5), default, p => output.WriteLine("  progress: " + p), installRecommends: false);
        output.WriteLine(result.Summary);
    }
}
