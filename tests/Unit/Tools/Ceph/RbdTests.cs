using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Tests.Unit.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>The `rbd` client: exact argv, parsing of real rbd 16.2.15 output, error mapping and import progress.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class RbdTests
{
    private const string V = "rbd-16.2.15-";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly RbdImageRef Img1 = new("t1", "img1");

    private static Rbd Client(string fixture, out ScriptedHost host)
    {
        host = Always(V + fixture);
        return new Rbd(host);
    }

    private static string[] R(params string[] words) => ["rbd", "--client-mount-timeout", "30", .. words];

    [Fact]
    public async Task BuildsArgvWithOptionsNeverAParsedImageSpec()
    {
        var host = Replies(Reply(0), Reply(0), Reply(0), Reply(0), Reply(0), Reply(0), Reply(0), Reply(0), Reply(0));
        var rbd = new Rbd(host, new CephContext { ClientName = "client.mvm", KeyringPath = "/etc/ceph/ceph.client.mvm.keyring" });
        var ns = new RbdImageRef("vms", "disk-0", "tenant");
        await rbd.CreateAsync(ns, 1073741824, new RbdImageOptions { Features = ["layering", "exclusive-lock"], Order = 22 }, None);
        await rbd.ResizeAsync(Img1, 2147483648, allowShrink: false, None);
        await rbd.ResizeAsync(Img1, 1048576, allowShrink: true, None);
        await rbd.RemoveAsync(Img1, None);
        await rbd.SnapCreateAsync(Img1, "base", None);
        await rbd.SnapProtectAsync(Img1, "base", None);
        await rbd.CloneAsync(Img1, "base", ns, new RbdImageOptions { Features = ["layering"] }, None);
        await rbd.ImportAsync("/var/tmp/debian.raw", new RbdImageRef("images", "debian-12"), null, TimeSpan.FromMinutes(5), None);
        await rbd.SnapRemoveAsync(Img1, "base", None);
        string[] Ctx(params string[] words) => ["rbd", "--name", "client.mvm", "--keyring", "/etc/ceph/ceph.client.mvm.keyring", "--client-mount-timeout", "30", .. words];
        Assert.Equal([
            Ctx("create", "--pool", "vms", "--namespace", "tenant", "--image", "disk-0", "--size", "1073741824B", "--image-feature", "layering,exclusive-lock", "--order", "22"),
            Ctx("resize", "--pool", "t1", "--image", "img1", "--size", "2147483648B", "--no-progress"),
            Ctx("resize", "--pool", "t1", "--image", "img1", "--size", "1048576B", "--allow-shrink", "--no-progress"),
            Ctx("rm", "--pool", "t1", "--image", "img1", "--no-progress"),
            Ctx("snap", "create", "--pool", "t1", "--image", "img1", "--snap", "base", "--no-progress"),
            Ctx("snap", "protect", "--pool", "t1", "--image", "img1", "--snap", "base"),
            Ctx("clone", "--pool", "t1", "--image", "img1", "--snap", "base", "--dest-pool", "vms", "--dest-namespace", "tenant", "--dest", "disk-0", "--image-feature", "layering"),
            Ctx("import", "--dest-pool", "images", "--dest", "debian-12", "--no-progress", "/var/tmp/debian.raw"),
            Ctx("snap", "rm", "--pool", "t1", "--image", "img1", "--snap", "base", "--no-progress"),
        ], host.Calls);
    }

    [Fact]
    public async Task RejectsArgumentsRbdWouldMisread()
    {
        var rbd = Client("info", out var host);
        await Assert.ThrowsAsync<ArgumentException>(() => rbd.InfoAsync(new RbdImageRef("t1", "--pool"), None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => rbd.CreateAsync(Img1, 0, null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => rbd.CreateAsync(Img1, 1 << 20, new RbdImageOptions { Features = ["layering;rm"] }, None));
        await Assert.ThrowsAsync<ArgumentException>(() => rbd.ImportAsync("relative.raw", Img1, null, TimeSpan.FromMinutes(1), None));
        Assert.Empty(host.Calls);
    }

    [Fact]
    public async Task ReadsImageInfoAndAClonesParent()
    {
        var info = await Client("info", out var host).InfoAsync(Img1, None);
        Assert.Equal(R("info", "--pool", "t1", "--image", "img1", "--format", "json"), host.Calls.Single());
        Assert.Equal(("img1", "118b36a02acb", 67108864L, 16L, 22, 4194304L, 2), (info.Name, info.Id, info.SizeBytes, info.Objects, info.Order, info.ObjectSizeBytes, info.Format));
        Assert.Equal(["layering", "exclusive-lock"], info.Features);
        Assert.Null(info.Parent);

        var clone = await Client("info-clone", out _).InfoAsync(new RbdImageRef("t1", "clone1"), None);
        Assert.Equal(new RbdParent("t1", null, "img1", "118b36a02acb", "s1", 134217728), clone.Parent);
        Assert.Equal(134217728L, clone.SizeBytes);
    }

    [Fact]
    public async Task ListsImagesAndSnapshotsSeparately()
    {
        var ls = await Client("ls-l", out var host).ListAsync("t1", null, None);
        Assert.Equal(R("ls", "-l", "--pool", "t1", "--format", "json"), host.Calls.Single());
        Assert.Equal(["clone1", "img1", "img2"], ls.Images.Select(i => i.Image));
        Assert.Equal(33554432L, ls.Find("img2")!.SizeBytes);
        Assert.Equal(("img1", "s1"), (ls.Find("clone1")!.Parent!.Image, ls.Find("clone1")!.Parent!.Snapshot));
        var snap = Assert.Single(ls.Snapshots);
        Assert.Equal(new RbdListedSnapshot("img1", "s1", 4, 134217728, true), snap);

        var snaps = await Client("snap-ls", out var snapHost).SnapListAsync(Img1, None);
        Assert.Equal(R("snap", "ls", "--pool", "t1", "--image", "img1", "--format", "json"), snapHost.Calls.Single());
        Assert.Equal(new RbdSnapshot(4, "s1", 134217728, true, "Sat Nov 21 07:02:57 2026"), Assert.Single(snaps));

        var children = await Client("children", out _).ChildrenAsync(Img1, "s1", None);
        Assert.Equal([new RbdImageRef("t1", "clone1")], children);
    }

    [Fact]
    public async Task MissingPoolImageAndSnapshotAreOneTypedException()
    {
        var image = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("info-missing-image", out _).InfoAsync(new RbdImageRef("t1", "nosuch"), None));
        Assert.Equal(("image", "nosuch", "rbd"), (image.Kind, image.Name, image.Tool));
        var pool = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("info-missing-pool", out _).InfoAsync(new RbdImageRef("nope", "nosuch"), None));
        Assert.Equal(("pool", "nope"), (pool.Kind, pool.Name));
        var list = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("ls-l-missing-pool", out _).ListAsync("nope", null, None));
        Assert.Equal(("pool", "nope"), (list.Kind, list.Name));
        var snap = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Client("snap-protect-missing", out _).SnapProtectAsync(Img1, "nosuch", None));
        Assert.Equal(("snapshot", "t1/img1@nosuch"), (snap.Kind, snap.Name));
        var clone = await Assert.ThrowsAsync<ObjectNotFoundException>(() =>
            Client("clone-missing-snapshot", out _).CloneAsync(Img1, "nosuch", new RbdImageRef("t1", "clone2"), null, None));
        Assert.Equal(("snapshot", "t1/img1@nosuch"), (clone.Kind, clone.Name));

        Assert.Null(await Client("info-missing-pool", out _).FindAsync(new RbdImageRef("nope", "x"), None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("rm-missing-image", out _).RemoveAsync(new RbdImageRef("t1", "nosuch"), None));
        Assert.Equal(RemovalOutcome.AlreadyAbsent, await Client("rm-missing-pool", out _).RemoveAsync(new RbdImageRef("nope", "nosuch"), None));
    }

    [Fact]
    public async Task InUseShrinkAndExistsAreTyped()
    {
        var snaps = await Assert.ThrowsAsync<RbdImageBusyException>(() => Client("rm-has-snapshots", out _).RemoveAsync(Img1, None));
        Assert.Equal("RBD image t1/img1 on h3 is in use: image has snapshots - these must be deleted with 'rbd snap purge' before the image can be removed.", snaps.Message);
        var clones = await Assert.ThrowsAsync<RbdImageBusyException>(() => Client("snap-unprotect-has-clones", out _).SnapUnprotectAsync(Img1, "s1", None));
        Assert.Contains("snapshot s1 has clones", clones.Message);

        var shrink = await Assert.ThrowsAsync<RbdShrinkRefusedException>(() => Client("resize-shrink-refused", out _).ResizeAsync(Img1, 33554432, false, None));
        Assert.Equal(33554432L, shrink.RequestedBytes);

        Assert.False(await Client("snap-create-exists", out _).SnapCreateAsync(Img1, "s1", None));
        await Client("snap-protect-already", out _).SnapProtectAsync(Img1, "s1", None); // idempotent

        var exists = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => Client("create-exists", out _).CreateAsync(Img1, 67108864, null, None));
        Assert.Equal(CephErrno.EEXIST, exists.ExitCode);
        Assert.Contains("rbd: create error: (17) File exists", exists.Message);
    }

    [Fact]
    public async Task AWrongKeyringIsUnreachableNotAMissingPool()
    {
        // rbd says "listing images failed: (2) No such file or directory" and exits 2: only the
        // "couldn't connect" line before it tells that nothing was listed at all.
        var e = await Assert.ThrowsAsync<CephUnreachableException>(() => Client("ls-no-keyring", out _).ListAsync("t1", null, None));
        Assert.Contains("no keyring found at /etc/ceph/nosuch.keyring", e.Message);
        var down = await Assert.ThrowsAsync<CephUnreachableException>(() => Client("ls-mon-down", out _).ListAsync("t1", null, None));
        Assert.Contains("(110) Connection timed out", down.Message);
    }

    [Fact]
    public void ParsesRbdProgressLines()
    {
        var captured = CapturedRun.Load(V + "import-progress").Stderr;
        Assert.Equal(100, Rbd.LastPercent(captured));
        Assert.Equal(33, Rbd.LastPercent("\rImporting image: 16% complete...\rImporting image: 33% complete..."));
        Assert.Null(Rbd.LastPercent(""));
        Assert.Null(Rbd.LastPercent("rbd: --image is deprecated, use --dest\n"));
    }

    [Fact]
    public async Task ImportWithProgressPollsRbdsOwnProgressLines()
    {
        // A stand-in rbd replays the captured stderr two progress lines at a time, as rbd writes it,
        // and writes the next lines only once the client has reported the previous percentage.
        var captured = CapturedRun.Load(V + "import-progress").Stderr;
        var segments = captured.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        using var rbdBin = FakeRbd.Create(segments.Chunk(2).Select(c => "\r" + string.Join('\r', c)), exit: 0);
        var host = new RbdOnPath(new LocalHost(), rbdBin.Path);
        var seen = new List<int>();
        await new Rbd(host).ImportAsync("/root/img.raw", new RbdImageRef("t1", "imp1"), null, TimeSpan.FromMinutes(1), None,
            new SyncProgress(p => { seen.Add(p); rbdBin.Release(seen.Count); }), TimeSpan.FromMilliseconds(50));
        Assert.Equal([33, 66, 100], seen);
        // rbd's argv reaches the host as separate words after the job runner's own, never as shell text.
        var start = host.Calls[0];
        var expected = R("import", "--dest-pool", "t1", "--dest", "imp1", "/root/img.raw");
        Assert.Equal(expected, start.Skip(start.Count - expected.Length).Select(w => w == rbdBin.Path ? "rbd" : w));
        // The job's files on the host are gone once the result is in.
        Assert.False(Directory.Exists(host.JobDirectory), $"{host.JobDirectory} was left behind");
    }

    [Fact]
    public async Task ImportFailuresNameTheMissingFileOrSayTheImageExists()
    {
        var file = await Assert.ThrowsAsync<ObjectNotFoundException>(() =>
            Client("import-missing-file", out _).ImportAsync("/root/nofile.raw", new RbdImageRef("t1", "imp3"), null, TimeSpan.FromMinutes(1), None));
        Assert.Equal(("file", "/root/nofile.raw"), (file.Kind, file.Name));

        // The same mapping when the output came from the progress stream.
        var progressRun = CapturedRun.Load(V + "import-missing-file");
        using var rbdBin = FakeRbd.Create([progressRun.Stderr], progressRun.Exit);
        var host = new RbdOnPath(new LocalHost(), rbdBin.Path);
        var viaLog = await Assert.ThrowsAsync<ObjectNotFoundException>(() => new Rbd(host).ImportAsync("/root/nofile.raw", new RbdImageRef("t1", "imp3"), null,
            TimeSpan.FromMinutes(1), None, new SyncProgress(_ => { }), TimeSpan.FromMilliseconds(50)));
        Assert.Equal("file", viaLog.Kind);
        Assert.False(Directory.Exists(host.JobDirectory), $"{host.JobDirectory} was left behind");

        var exists = await Assert.ThrowsAsync<RemoteCommandFailedException>(() =>
            Client("import-exists", out _).ImportAsync("/root/img.raw", new RbdImageRef("t1", "imp2"), null, TimeSpan.FromMinutes(1), None));
        Assert.Equal(CephErrno.EEXIST, exists.ExitCode);
    }

    /// <summary>
    /// A script standing in for rbd: writes each chunk to stderr, and before the next one waits until
    /// the test releases it (the client saw the previous chunk), so no poll timing is assumed.
    /// </summary>
    private sealed class FakeRbd : IDisposable
    {
        private readonly string _gates;

        private FakeRbd(string path, string gates)
        {
            Path = path;
            _gates = gates;
        }

        public string Path { get; }

        public void Release(int chunk) => File.WriteAllText(System.IO.Path.Combine(_gates, chunk.ToString(System.Globalization.CultureInfo.InvariantCulture)), "");

        public static FakeRbd Create(IEnumerable<string> stderrChunks, int exit)
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mvm-fake-rbd-" + Guid.NewGuid().ToString("N"));
            var gates = Directory.CreateTempSubdirectory("mvm-fake-rbd-gates-").FullName;
            var steps = stderrChunks.Select((c, i) => $"printf '%s' {PosixQuote.Quote(c)} >&2\n" +
                $"n=0; while [ ! -e {PosixQuote.Quote(System.IO.Path.Combine(gates, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))} ] && [ $n -lt 300 ]; do sleep 0.05; n=$((n+1)); done\n").ToList();
            // The last chunk is followed by the exit, not by a wait.
            if (steps.Count > 0) steps[^1] = steps[^1][..steps[^1].IndexOf("n=0;", StringComparison.Ordinal)];
            File.WriteAllText(path, $"#!/bin/bash\n{string.Concat(steps)}exit {exit}\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new FakeRbd(path, gates);
        }

        public void Dispose()
        {
            File.Delete(Path);
            Directory.Delete(_gates, recursive: true);
        }
    }

    /// <summary>Runs commands on this machine with the word `rbd` pointing at the stand-in; records argv and the job directory.</summary>
    private sealed class RbdOnPath(IHost inner, string rbd) : IHost
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];
        public string JobDirectory { get; private set; } = "";
        public string Name => inner.Name;

        public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
        {
            var rewritten = argv.Select(w => w == "rbd" ? rbd : w).ToList();
            lock (Calls) Calls.Add(rewritten);
            var r = await inner.RunAsync(rewritten, stdin, timeout, ct);
            if (Calls.Count == 1) JobDirectory = r.StdoutText.Trim();
            return r;
        }
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
