using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Cluster;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;
using Mvm.Resources.Shared;
using Mvm.Tests.Lab.Tools.CephClients;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// VirtualImage through its life on h3's real Ceph cluster, by the built plugin driven the way the
/// engine drives it: imports from a local qcow2 (streamed over SSH), from a raw file already on h3
/// and from an http URL served by this machine; the bytes in RBD are checked against the source's
/// raw content on h3; drift made by hand is found by refresh and repaired by up; import reproduces
/// the program; delete is refused while a clone exists; a wrong checksum leaves nothing behind.
/// Only the pool vitest-* (made and removed here) and images in it are touched.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class VirtualImageLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private const long MiB = 1L << 20;
    private static readonly TimeSpan T = TimeSpan.FromSeconds(120);
    private readonly string _pool = "vitest-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _work = Directory.CreateTempSubdirectory("vitest-files-").FullName;
    private readonly LabProgram _stack = new("vitest-stack-") { Stack = "test" };
    private readonly LabProgram _imported = new("vitest-import-") { Stack = "test" };
    private const string HostDir = "/var/tmp/vitest-src";

    private string Config(string connect, bool import = false) =>
        LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile) + $"  vitest:connect:\n    secret: {connect}\n" +
        (import ? $"  mvm:importConnectString:\n    secret: {connect}\n" : "");

    private static string Program(params (string Name, string[] Props)[] images) =>
        "name: vitest\nruntime: yaml\nconfig:\n  connect:\n    type: string\n    secret: true\nresources:\n" + string.Concat(images.Select(i =>
            $"  {i.Name}:\n    type: mvm:index:VirtualImage\n    properties:\n      connectString: ${{connect}}\n      name: {i.Name}\n" +
            string.Concat(i.Props.Select(p => $"      {p}\n"))));

    private async Task<DeploymentResult> RunAsync(LabProgram program, Func<Engine, Task<DeploymentResult>> operation)
    {
        var result = await program.RunAsync(operation);
        output.WriteLine(result.Transcript);
        return result;
    }

    private static string Sha256(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }

    private static void Local(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }

    /// <summary>sha256 of what VM disks would be cloned from: the protected snapshot's bytes, exported on h3.</summary>
    private async Task<string> RbdContentSha256Async(IHost h3, string image) =>
        (await h3.RunCheckedAsync(["bash", "-c", "set -o pipefail; rbd export --no-progress \"$1\" - | sha256sum", "vitest", $"{_pool}/{image}@base"], T, default))
        .StdoutText.Split(' ')[0];

    private async Task<IReadOnlyList<string>> ImagesAsync(IHost h3) =>
        JsonDocument.Parse((await h3.RunCheckedAsync(["rbd", "ls", "--pool", _pool, "--format", "json"], T, default)).StdoutText)
            .RootElement.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToList();

    private async Task<string> ScratchLeftAsync(IHost h3) =>
        (await h3.RunAsync(["bash", "-c", "ls -d /var/tmp/mvm-image.* /tmp/mvm-job.* 2>/dev/null; true"], null, T, default)).StdoutText.Trim();

    private static string? Out(DeploymentResult r, string resource, string key) => LabProgram.OutputOf(r, resource, key);

    /// <summary>A static file server on the machine, bound to the lab's management gateway, which the hosts route to.</summary>
    private sealed class FileServer : IDisposable
    {
        private readonly Process _process;

        public FileServer(string directory, string address)
        {
            var probe = new TcpListener(IPAddress.Parse(address), 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var psi = new ProcessStartInfo("python3") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-m", "http.server", Port.ToString(), "--bind", address }) psi.ArgumentList.Add(a);
            _process = Process.Start(psi)!;
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                try
                {
                    using var c = new TcpClient(address, Port);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < until)
                {
                    Thread.Sleep(100);
                }
            }
        }

        public int Port { get; }

        public void Dispose()
        {
            try { _process.Kill(); _process.WaitForExit(5000); } catch (InvalidOperationException) { }
            _process.Dispose();
        }
    }

    [Fact]
    public async Task ImagesImportVerifyDriftImportAndRefuseDeleteWhileCloned()
    {
        await using var transport = new SshTransport();
        var h3 = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, h3, output);
        // What HostSetup installs on cluster hosts for images: qemu-img with its RBD driver, and curl.
        var install = await new Apt(h3).InstallAsync(["qemu-utils", "qemu-block-extra", "curl"], TimeSpan.FromMinutes(10), default, installRecommends: false);
        output.WriteLine(install.Summary);
        await h3.RunCheckedAsync(["ceph", "config", "set", "global", "mon_allow_pool_size_one", "true"], T, default);
        await h3.RunCheckedAsync(["ceph", "osd", "pool", "create", _pool, "8", "8", "--autoscale-mode", "off"], T, default);
        await h3.RunCheckedAsync(["ceph", "osd", "pool", "set", _pool, "size", "1", "--yes-i-really-mean-it"], T, default);
        await h3.RunCheckedAsync(["ceph", "osd", "pool", "application", "enable", _pool, "rbd"], T, default);
        // The cluster's VM pool is the test pool, so images that name no pool land there.
        var connect = ConnectString.Encode(new ClusterInfo
        {
            Name = "lab3", Fsid = cluster.Fsid, Layout = "hci", VmPool = _pool,
            Hosts = [new MemberHost { Name = "h3", Address = lab.H3.Management }],
        });
        // As MvmCluster does: h3 in the member registry, where `h3:/path` sources are looked up.
        var member = new ClusterMember { Host = new MemberHost { Name = "h3", Address = lab.H3.Management }, Hostname = "h3" };
        await h3.RunCheckedAsync(["ceph", "config-key", "set", ClusterMembers.Key("h3"), ClusterMembers.Serialize(member)], T, default);
        using var hosts = JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.OutDir, "hosts.json")));
        var gateway = hosts.RootElement.GetProperty("networks").GetProperty("management").GetProperty("gateway").GetString()!;

        // Sources with known content: random bytes (no compression or zero-skipping can flatter the
        // figures), half of a 96 MiB disk written, the rest a hole; the same disk as qcow2.
        var raw = Path.Combine(_work, "disk.raw");
        await using (var f = File.Create(raw))
        {
            f.SetLength(96 * MiB);
            var data = RandomNumberGenerator.GetBytes((int)(48 * MiB));
            await f.WriteAsync(data);
        }
        var rawSha = Sha256(raw);
        var qcow2 = Path.Combine(_work, "disk.qcow2");
        Local("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2);
        var qcow2Sha = Sha256(qcow2);
        // The host-path source: a larger raw file generated on h3 itself (random, 256 MiB), for the figures.
        await h3.RunCheckedAsync(["bash", "-c", "rm -rf \"$1\" && mkdir -p \"$1\" && head -c 256M /dev/urandom > \"$1/big.raw\"", "vitest", HostDir], T, default);
        var bigSha = (await h3.RunCheckedAsync(["sha256sum", HostDir + "/big.raw"], T, default)).StdoutText.Split(' ')[0];
        using var server = new FileServer(_work, gateway);
        var url = $"http://{gateway}:{server.Port}/disk.qcow2";

        try
        {
            // 1. Create: from a local qcow2 and a URL (no format given: detected) together, then a raw
            // file on h3 alone, so its time is not shared with the others (the figure below).
            (string, string[]) local = ("local", [$"source: {qcow2}", "format: qcow2", $"checksum: sha256:{qcow2Sha}", "minimumMemoryMiB: 256"]);
            (string, string[]) web = ("web", [$"source: {url}", $"checksum: sha256:{qcow2Sha.ToUpperInvariant()}", "firmware: uefi"]);
            _stack.Write(Program(local, web), Config(connect));
            var first = await RunAsync(_stack, e => e.UpAsync());
            Assert.True(first.Succeeded, first.Transcript);
            _stack.Write(Program(local, ("onhost", [$"source: h3:{HostDir}/big.raw", "format: raw", $"checksum: sha256:{bigSha}", "osType: linux"]), web), Config(connect));
            var up = await RunAsync(_stack, e => e.UpAsync());
            Assert.True(up.Succeeded, up.Transcript);
            Assert.Equal(StepOp.Create, up.Step("onhost").Op);
            Assert.DoesNotContain(connect, up.Transcript);
            Assert.Equal(["local", "onhost", "web"], await ImagesAsync(h3));
            // The bytes VMs would clone are the source's raw content, whatever the source format.
            Assert.Equal(rawSha, await RbdContentSha256Async(h3, "local"));
            Assert.Equal(rawSha, await RbdContentSha256Async(h3, "web"));
            Assert.Equal(bigSha, await RbdContentSha256Async(h3, "onhost"));
            foreach (var image in new[] { "local", "onhost", "web" })
            {
                var snaps = JsonDocument.Parse((await h3.RunCheckedAsync(["rbd", "snap", "ls", "--pool", _pool, "--image", image, "--format", "json"], T, default)).StdoutText).RootElement;
                Assert.Equal(("base", "true"), (snaps[0].GetProperty("name").GetString(), snaps[0].GetProperty("protected").GetString()));
            }
            Assert.Equal("qcow2", Out(up, "web", "detectedFormat"));
            Assert.Equal($"{_pool}/local@base", Out(up, "local", "imageSpec"));
            Assert.Equal("sha256:" + qcow2Sha, Out(up, "local", "sourceSha256"));
            Assert.Equal(96 * MiB, (long)up.State.Resources.Single(x => x.Name == "local").Outputs.Fields["virtualSizeBytes"].NumberValue);
            Assert.Equal("", await ScratchLeftAsync(h3));
            Assert.True(File.Exists(raw) && (await h3.RunAsync(["test", "-f", HostDir + "/big.raw"], null, T, default)).ExitCode == 0, "sources must stay where they were");
            Assert.Contains(first.Logs, l => l.Message.Contains("uploaded to h3", StringComparison.Ordinal));
            Assert.Contains(first.Logs, l => l.Message.Contains("downloaded on h3", StringComparison.Ordinal));
            output.WriteLine($"created local in {first.Step("local").Duration.TotalSeconds:F1} s and web in {first.Step("web").Duration.TotalSeconds:F1} s (together), onhost in {up.Step("onhost").Duration.TotalSeconds:F1} s (alone)");

            // Figures: the provider's import of the 256 MiB raw file vs a bare `rbd import` of the same file on h3.
            var floor = Stopwatch.StartNew();
            await h3.RunCheckedAsync(["rbd", "import", "--no-progress", "--dest-pool", _pool, "--dest", "vitest-floor", HostDir + "/big.raw"], T, default);
            floor.Stop();
            await h3.RunCheckedAsync(["rbd", "rm", "--no-progress", "--pool", _pool, "--image", "vitest-floor"], T, default);
            var mine = up.Step("onhost").Duration;
            output.WriteLine($"FIGURE 256 MiB raw from a host path: provider {mine.TotalSeconds:F1} s ({256 / mine.TotalSeconds:F0} MiB/s, with sha256 and snapshot) vs rbd import {floor.Elapsed.TotalSeconds:F1} s ({256 / floor.Elapsed.TotalSeconds:F0} MiB/s): ratio {mine / floor.Elapsed:F2}");

            // 2. Nothing changed: refresh finds no drift.
            var refresh = await RunAsync(_stack, e => e.RefreshAsync());
            Assert.True(refresh.Succeeded, refresh.Transcript);
            Assert.All(new[] { "local", "onhost", "web" }, n => Assert.Empty(refresh.Step(n).Changes));

            // 3. Drift by hand: a setting changed in the image's metadata, a snapshot unprotected; refresh shows both, up repairs them in place.
            await h3.RunCheckedAsync(["rbd", "image-meta", "set", "--pool", _pool, "--image", "onhost", "mvm.os-type", "windows"], T, default);
            await h3.RunCheckedAsync(["rbd", "snap", "unprotect", "--pool", _pool, "--image", "local", "--snap", "base"], T, default);
            refresh = await RunAsync(_stack, e => e.RefreshAsync());
            Assert.True(refresh.Succeeded, refresh.Transcript);
            Assert.Contains("osType", refresh.Step("onhost").Changes.Select(c => c.Path));
            Assert.Null(Out(refresh, "local", "imageSpec"));
            var preview = await RunAsync(_stack, e => e.PreviewAsync());
            Assert.Equal(StepOp.Update, preview.Step("local").Op);
            Assert.Equal(StepOp.Update, preview.Step("onhost").Op);
            up = await RunAsync(_stack, e => e.UpAsync());
            Assert.True(up.Succeeded, up.Transcript);
            Assert.Equal("linux", (await h3.RunCheckedAsync(["rbd", "image-meta", "get", "--pool", _pool, "--image", "onhost", "mvm.os-type"], T, default)).StdoutText.Trim());
            Assert.Equal($"{_pool}/local@base", Out(up, "local", "imageSpec"));
            Assert.Equal(rawSha, await RbdContentSha256Async(h3, "local"));
            output.WriteLine("hand drift (osType in image-meta, snapshot unprotected) shown by refresh and repaired in place by up");

            // 4. Import `web` into a fresh stack by pool/name; the same program then has nothing to do.
            _imported.Write(Program(("web", [$"source: {url}", $"checksum: sha256:{qcow2Sha.ToUpperInvariant()}", "firmware: uefi"])), Config(connect, import: true));
            var import = await RunAsync(_imported, e => e.ImportAsync("mvm:index:VirtualImage", "web", $"{_pool}/web", protect: false));
            Assert.True(import.Succeeded, import.Transcript);
            preview = await RunAsync(_imported, e => e.PreviewAsync());
            Assert.True(preview.Succeeded, preview.Transcript);
            Assert.Equal(StepOp.Same, preview.Step("web").Op);
            Assert.DoesNotContain(connect, import.Transcript);
            output.WriteLine("imported web into a fresh stack by id; next preview: same");

            // 5. Destroy is refused while a VM disk is cloned from an image, naming the clone.
            await h3.RunCheckedAsync(["rbd", "clone", "--pool", _pool, "--image", "local", "--snap", "base", "--dest-pool", _pool, "--dest", "vitest-vm-disk"], T, default);
            var destroy = await RunAsync(_stack, e => e.DestroyAsync());
            Assert.False(destroy.Succeeded, destroy.Transcript);
            Assert.Contains($"{_pool}/vitest-vm-disk", destroy.Error + destroy.Transcript);
            Assert.Contains("local", await ImagesAsync(h3));
            Assert.Equal(rawSha, await RbdContentSha256Async(h3, "local"));
            await h3.RunCheckedAsync(["rbd", "rm", "--no-progress", "--pool", _pool, "--image", "vitest-vm-disk"], T, default);
            destroy = await RunAsync(_stack, e => e.DestroyAsync());
            Assert.True(destroy.Succeeded, destroy.Transcript);
            Assert.Empty(await ImagesAsync(h3));
            output.WriteLine("destroy refused while vitest-vm-disk was cloned from local; after removing it, destroy removed every image");

            // 6. A wrong checksum is refused naming both sums; nothing is left in the pool or on the host.
            var wrong = new string('0', 64);
            _stack.Write(Program(("bad", [$"source: {qcow2}", $"checksum: sha256:{wrong}"])), Config(connect));
            up = await RunAsync(_stack, e => e.UpAsync());
            Assert.False(up.Succeeded, up.Transcript);
            Assert.Contains($"sha256:{wrong}", up.Transcript);
            Assert.Contains($"sha256:{qcow2Sha}", up.Transcript);
            Assert.Empty(await ImagesAsync(h3));
            Assert.Equal("", await ScratchLeftAsync(h3));
            output.WriteLine("wrong checksum refused naming both sums; pool empty, no scratch files");
        }
        finally
        {
            await h3.RunAsync(["rm", "-rf", HostDir], null, T, default);
            await h3.RunAsync(["ceph", "config-key", "rm", ClusterMembers.Key("h3")], null, T, default);
            await h3.RunAsync(["ceph", "config", "set", "mon", "mon_allow_pool_delete", "true"], null, T, default);
            await h3.RunAsync(["ceph", "osd", "pool", "delete", _pool, _pool, "--yes-i-really-really-mean-it"], null, T, default);
        }
    }

    public void Dispose()
    {
        _stack.Dispose();
        _imported.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }
}
