using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Core;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>The QemuImg client on h1's real qemu-img (installed by the Apt client): create, a backing chain, convert with progress, resize, check.</summary>
[Collection(LabCollection.Name)]
public sealed class QemuImgLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private const string Dir = "/var/tmp/mvm-qemu-img-test";
    private const long MiB = 1024 * 1024;

    private (int Exit, string Output) OnHost(params string[] argv) => lab.Exec(lab.H1, argv);

    // Read back with qemu-img's own JSON on the host, apart from the client's parsing.
    private long HostVirtualSize(string path)
    {
        var (exit, json) = OnHost("qemu-img", "info", "--output=json", path);
        Assert.Equal(0, exit);
        return JsonDocument.Parse(json).RootElement.GetProperty("virtual-size").GetInt64();
    }

    [Fact]
    public async Task CreatesConvertsResizesAndInspectsImages()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        await LabPackages.EnsureAsync(host, output);
        OnHost("rm", "-rf", Dir);
        Assert.Equal(0, OnHost("mkdir", "-p", Dir).Exit);
        var qemu = new QemuImg(host) { ProgressInterval = TimeSpan.FromMilliseconds(200) };
        try
        {
            string baseImage = Dir + "/base.qcow2", overlay = Dir + "/vm.qcow2", flat = Dir + "/vm.raw", packed = Dir + "/packed.qcow2";
            await qemu.CreateAsync(baseImage, "qcow2", 64 * MiB, T, default, options: new Dictionary<string, string> { ["cluster_size"] = "65536" });
            // qcow2's magic on disk, and the size qemu-img reports on the host.
            Assert.Equal("QFI", OnHost("head", "-c", "3", baseImage).Output);
            Assert.Equal(64 * MiB, HostVirtualSize(baseImage));
            // Data in the base, so the copies below have something to carry.
            Assert.Equal(0, OnHost("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 8M", baseImage).Exit);

            // qemu-img create would silently replace the image; the client refuses.
            var exists = await Assert.ThrowsAsync<PreconditionFailedException>(() => qemu.CreateAsync(baseImage, "qcow2", MiB, T, default));
            Assert.Contains("already exists on h1", exists.Message);
            Assert.Equal(64 * MiB, HostVirtualSize(baseImage));

            await qemu.CreateAsync(overlay, "qcow2", 128 * MiB, T, default, backingFile: baseImage, backingFormat: "qcow2");
            var info = await qemu.InfoAsync(overlay, T, default, format: "qcow2", backingChain: true);
            Assert.Equal([overlay, baseImage], info.Chain.Select(i => i.Filename));
            Assert.Equal((128 * MiB, baseImage, "qcow2"), (info.VirtualSize, info.FullBackingFilename, info.BackingFormat));
            Assert.Equal(64 * MiB, info.Backing!.VirtualSize);
            Assert.False(info.DirtyFlag);

            var progress = new List<double>();
            await qemu.ConvertAsync(overlay, flat, new QemuConvertOptions("raw") { SourceFormat = "qcow2" }, T, default, progress.Add);
            output.WriteLine("convert progress: " + string.Join(", ", progress));
            Assert.Equal(100, progress[^1]);
            Assert.Equal(progress.Order(), progress);
            // The raw copy is the whole virtual disk, and identical in content to the chain.
            Assert.Equal((128 * MiB).ToString(), OnHost("stat", "-c", "%s", flat).Output.Trim());
            Assert.Equal(0, OnHost("qemu-img", "compare", "-f", "qcow2", "-F", "raw", overlay, flat).Exit);
            Assert.Equal("raw", (await qemu.InfoAsync(flat, T, default)).Format);
            // The detached job that carried the progress cleaned up after itself.
            Assert.Equal("", OnHost("sh", "-c", "ls -d /tmp/mvm-job.* 2>/dev/null").Output);

            // Without a progress callback: one round trip, compressed qcow2, also refusing to overwrite.
            await qemu.ConvertAsync(flat, packed, new QemuConvertOptions("qcow2") { SourceFormat = "raw", Compress = true }, T, default);
            Assert.Equal(0, OnHost("qemu-img", "compare", "-f", "raw", "-F", "qcow2", flat, packed).Exit);
            await Assert.ThrowsAsync<PreconditionFailedException>(() => qemu.ConvertAsync(flat, packed, new QemuConvertOptions("qcow2"), T, default));
            await Assert.ThrowsAsync<PreconditionFailedException>(() => qemu.ConvertAsync(flat, packed, new QemuConvertOptions("qcow2"), T, default, _ => { }));

            await qemu.ResizeAsync(overlay, 192 * MiB, T, default, format: "qcow2");
            Assert.Equal(192 * MiB, HostVirtualSize(overlay));
            var shrink = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => qemu.ResizeAsync(overlay, 96 * MiB, T, default, format: "qcow2"));
            Assert.Contains("--shrink", shrink.Message);
            Assert.Equal(192 * MiB, HostVirtualSize(overlay));
            await qemu.ResizeAsync(overlay, 96 * MiB, T, default, format: "qcow2", allowShrink: true);
            Assert.Equal(96 * MiB, HostVirtualSize(overlay));

            var check = await qemu.CheckAsync(baseImage, T, default, format: "qcow2");
            Assert.True(check is { Supported: true, IsClean: true, AllocatedClusters: > 0 });
            Assert.False((await qemu.CheckAsync(flat, T, default, format: "raw")).Supported);
        }
        finally
        {
            OnHost("rm", "-rf", Dir);
        }
    }

    [Fact]
    public async Task MissingImagesBackingFilesAndDirectoriesAreObjectNotFound()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        await LabPackages.EnsureAsync(host, output);
        var qemu = new QemuImg(host);
        const string missing = "/var/tmp/mvm-no-such-image.qcow2";

        async Task NotFound(Func<Task> call, string kind, string name)
        {
            var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
            output.WriteLine(e.Message);
            Assert.Equal((kind, name, "h1"), (e.Kind, e.Name, e.HostName));
        }
        await NotFound(() => qemu.InfoAsync(missing, T, default), "image", missing);
        await NotFound(() => qemu.CheckAsync(missing, T, default), "image", missing);
        await NotFound(() => qemu.ResizeAsync(missing, MiB, T, default), "image", missing);
        await NotFound(() => qemu.ConvertAsync(missing, "/var/tmp/mvm-never.raw", new QemuConvertOptions("raw"), T, default), "image", missing);
        await NotFound(() => qemu.ConvertAsync(missing, "/var/tmp/mvm-never.raw", new QemuConvertOptions("raw"), T, default, _ => { }), "image", missing);
        await NotFound(() => qemu.CreateAsync("/var/tmp/mvm-never.qcow2", "qcow2", null, T, default, backingFile: missing, backingFormat: "qcow2"), "backing image", missing);
        await NotFound(() => qemu.CreateAsync("/var/tmp/mvm-no-dir/x.qcow2", "qcow2", MiB, T, default), "directory", "/var/tmp/mvm-no-dir");
        // Nothing was left behind by the failed calls.
        Assert.Equal("", OnHost("sh", "-c", "ls -d /var/tmp/mvm-never* /tmp/mvm-job.* 2>/dev/null").Output);
    }
}
