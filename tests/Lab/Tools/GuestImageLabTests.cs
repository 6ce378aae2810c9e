using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// The lab's guest image (tests/lab/guest/build-guest.sh) really boots on a lab host (h3) in a
/// TCG domain built from the provider's DomainSpec: cloud-init runs from a NoCloud seed, the
/// guest agent answers, and a hot-plugged vCPU, a hot-plugged disk and a balloon change are seen
/// from inside the guest, through the agent client the VM resource will use.
/// Set MVM_VIRSH_CAPTURE=&lt;dir&gt; to write the real agent outputs the unit tests use as fixtures.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class GuestImageLabTests(LabFixture lab, ITestOutputHelper output)
{
    private const string Vm = "mvmtest-guest";
    private const string Dir = "/var/lib/mvm-guest-test";
    private const string Bridge = "mvmtest-gbr";
    private const string Mac = "52:54:00:6d:10:01";
    private const string GuestIp = "192.0.2.10"; // TEST-NET-1: never routed anywhere
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    // TCG on a shared 2-core machine: a boot takes minutes when other work runs beside it.
    private static readonly TimeSpan AgentLimit = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan CloudInitLimit = TimeSpan.FromMinutes(12);
    private static readonly TimeSpan HotplugLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task GuestBootsRunsCloudInitAnswersTheAgentAndSeesHotplug()
    {
        var (imagePath, buildSeconds, built) = LabGuestImage.Build(output);
        var imageBytes = new FileInfo(imagePath).Length;
        output.WriteLine($"image {imagePath}: {imageBytes / 1048576.0:F0} MiB qcow2, {(built ? $"built cold in {buildSeconds:F0} s" : $"cached ({buildSeconds:F1} s to check)")}");

        await using var transport = new SshTransport();
        var root = transport.Host(lab.Target(lab.H3));
        var virsh = new Virsh(root);
        await LibvirtLabSetup.EnsureAsync(root);
        output.WriteLine(LibvirtLabSetup.Report);
        // The seed ISO is made on the host, as the VM resource will: xorriso is the smallest
        // Debian package that writes ISO9660 with Joliet/Rock Ridge (~2.4 MB with its libraries;
        // genisoimage pulls in libmagic's 7 MB database).
        await new Apt(root).InstallAsync(["xorriso"], TimeSpan.FromMinutes(5), default);
        await CleanAsync(virsh, root);
        try
        {
            var info = await new QemuImg(root).InfoAsync(await CopyImageAsync(imagePath, root), T, default);
            Assert.Equal("qcow2", info.Format);
            Assert.True(info.VirtualSize <= 2L << 30, $"virtual size {info.VirtualSize} is over 2 GiB");
            output.WriteLine($"virtual size {info.VirtualSize >> 20} MiB");
            await RunAsync(root, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", $"{Dir}/base.qcow2", $"{Dir}/boot.qcow2");
            await RunAsync(root, "qemu-img", "create", "-q", "-f", "qcow2", $"{Dir}/hot.qcow2", "64M");
            var token = Guid.NewGuid().ToString("N");
            await WriteSeedAsync(root, token);
            await RunAsync(root, "ip", "link", "add", Bridge, "type", "bridge");
            await RunAsync(root, "ip", "link", "set", Bridge, "up");

            var spec = new DomainSpec
            {
                Name = Vm,
                Type = DomainType.Qemu,
                MemoryKiB = LibvirtUnits.MiBToKiB(512),
                MaxVcpus = 2,
                Vcpus = 1,
                Disks =
                [
                    new DiskSpec { Source = new FileDiskSource($"{Dir}/boot.qcow2"), TargetDev = "vda", Serial = "boot" },
                    DiskSpec.CdromSeed(new FileDiskSource($"{Dir}/seed.iso", "raw")),
                ],
                Interfaces = [new InterfaceSpec { Kind = InterfaceKind.Bridge, Source = Bridge, Mac = Mac }],
            };
            await virsh.DefineAsync(DomainXml.FromSpec(spec));
            var boot = Stopwatch.StartNew();
            Assert.True(await virsh.StartAsync(Vm));

            // Before the guest's agent runs, virsh says so, and the client reports it as "not there yet".
            var early = await RawVirsh(root, "qemu-agent-command", "--domain", Vm, """{"execute":"guest-ping"}""");
            if (early.ExitCode != 0)
            {
                Capture("virsh-9.0.0-agent-not-connected.stderr", early.StderrText);
                Assert.True(GuestAgentOutput.IsUnavailable(early.StderrText), early.StderrText);
            }
            await virsh.WaitForAgentAsync(Vm, AgentLimit);
            var toAgent = boot.Elapsed;
            output.WriteLine($"boot to guest agent: {toAgent.TotalSeconds:F1} s");

            // cloud-init's last stage writes boot-finished; the result says which datasource ran.
            await WaitForGuestFileAsync(virsh, "/var/lib/cloud/instance/boot-finished", CloudInitLimit);
            var toCloudInit = boot.Elapsed;
            output.WriteLine($"boot to cloud-init done: {toCloudInit.TotalSeconds:F1} s");
            var resultJson = Encoding.UTF8.GetString(await virsh.GuestReadFileAsync(Vm, "/run/cloud-init/result.json"));
            var v1 = JsonNode.Parse(resultJson)!["v1"]!;
            Assert.Contains("DataSourceNoCloud", v1["datasource"]!.GetValue<string>());
            Assert.Empty(v1["errors"]!.AsArray());
            Assert.Equal(token + "\n", Encoding.UTF8.GetString(await virsh.GuestReadFileAsync(Vm, "/var/lib/mvm-marker")));
            Assert.Equal("mvmtest-guest-vm\n", Encoding.UTF8.GetString(await virsh.GuestReadFileAsync(Vm, "/var/lib/mvm-runcmd")));
            var missing = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.GuestReadFileAsync(Vm, "/var/lib/mvm-no-such-file"));
            Assert.Equal("guest file", missing.Kind);
            await CaptureAgentRepliesAsync(root);

            // Commands run through the agent, with exit code and both streams.
            var exec = await virsh.GuestExecAsync(Vm, ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], T);
            Assert.Equal((3, "out\n", "err\n"), (exec.ExitCode, exec.StdoutText, exec.StderrText));
            var analyze = await virsh.GuestExecAsync(Vm, ["/usr/bin/systemd-analyze", "time"], T);
            output.WriteLine($"inside the guest: {analyze.StdoutText.Trim()}");
            var blame = await virsh.GuestExecAsync(Vm, ["/bin/sh", "-c", "systemd-analyze blame | head -n 8"], T);
            output.WriteLine(blame.StdoutText.TrimEnd());

            // The guest's own view of its NIC, as the VM resource will read guest IPs.
            var nics = await virsh.GuestInterfacesAsync(Vm);
            Capture("virsh-9.0.0-domifaddr-agent-full.txt", (await RawVirsh(root, "domifaddr", "--domain", Vm, "--source", "agent", "--full")).StdoutText);
            var eth0 = Assert.Single(nics, n => n.Mac == Mac);
            Assert.Contains(new GuestAddress("ipv4", GuestIp, 24), eth0.Addresses);
            Assert.Contains(nics, n => n.Name == "lo" && n.Addresses.Any(a => a.Address == "127.0.0.1"));

            // A vCPU added live comes online inside the guest (the image's udev rule onlines it).
            Assert.Equal("0\n", await ReadTextAsync(virsh, "/sys/devices/system/cpu/online"));
            await virsh.SetVcpusAsync(Vm, 2, ChangeScope.Live);
            await WaitUntilAsync(async () => await ReadTextAsync(virsh, "/sys/devices/system/cpu/online") == "0-1\n", HotplugLimit, "the hot-plugged vCPU to come online in the guest");

            // A disk added live appears with its serial and size.
            await virsh.AttachDeviceAsync(Vm, new DiskSpec { Source = new FileDiskSource($"{Dir}/hot.qcow2"), TargetDev = "vdb", Serial = "hot1" }, ChangeScope.Live);
            string? hotDev = null;
            await WaitUntilAsync(async () =>
            {
                var r = await virsh.GuestExecAsync(Vm, ["/usr/bin/readlink", "-f", "/dev/disk/by-id/virtio-hot1"], T);
                hotDev = r.ExitCode == 0 ? r.StdoutText.Trim() : null;
                return hotDev is not null && hotDev.StartsWith("/dev/vd", StringComparison.Ordinal);
            }, HotplugLimit, "the hot-plugged disk to appear in the guest as /dev/disk/by-id/virtio-hot1");
            var sectors = long.Parse(await ReadTextAsync(virsh, $"/sys/block/{Path.GetFileName(hotDev!)}/size"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(64L << 20, sectors * 512);

            // The balloon takes memory away from the guest, and the guest sees less.
            var before = await MemTotalKiBAsync(virsh);
            await virsh.SetMemAsync(Vm, LibvirtUnits.MiBToKiB(384), ChangeScope.Live);
            long after = before;
            await WaitUntilAsync(async () => (after = await MemTotalKiBAsync(virsh)) <= before - LibvirtUnits.MiBToKiB(100), HotplugLimit,
                "the guest's MemTotal to drop after the balloon shrank");
            output.WriteLine($"hot-plug: vCPU online, disk {hotDev} 64 MiB, balloon MemTotal {before >> 10} -> {after >> 10} MiB");
        }
        finally
        {
            await CleanAsync(virsh, root);
        }
        // Nothing of the test is left on h3.
        Assert.DoesNotContain(await virsh.ListAsync(), d => d.Name == Vm);
        Assert.NotEqual(0, (await root.RunAsync(["ip", "link", "show", Bridge], null, T, default)).ExitCode);
        Assert.NotEqual(0, (await root.RunAsync(["test", "-e", Dir], null, T, default)).ExitCode);
    }

    /// <summary>scp with the lab's ssh_config (host keys checked against the lab's known_hosts).</summary>
    private async Task<string> CopyImageAsync(string imagePath, IHost root)
    {
        await RunAsync(root, "mkdir", "-p", Dir);
        var psi = new ProcessStartInfo("scp") { RedirectStandardError = true };
        foreach (var a in new[] { "-q", "-F", Path.Combine(lab.OutDir, "ssh_config"), imagePath, $"{lab.H3.Name}:{Dir}/base.qcow2" })
            psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"scp of the image to {lab.H3.Name} failed: {stderr.Result}");
        output.WriteLine($"copied the image to {lab.H3.Name} in {sw.Elapsed.TotalSeconds:F1} s");
        return $"{Dir}/base.qcow2";
    }

    /// <summary>A NoCloud seed: user-data writes the token and runs a command; network-config gives the NIC a fixed address.</summary>
    private static async Task WriteSeedAsync(IHost root, string token)
    {
        var files = new Dictionary<string, string>
        {
            ["meta-data"] = $"instance-id: {Vm}-1\nlocal-hostname: {Vm}-vm\n",
            ["user-data"] = $"""
                #cloud-config
                write_files:
                  - path: /var/lib/mvm-marker
                    content: "{token}\n"
                runcmd:
                  - [sh, -c, "hostname > /var/lib/mvm-runcmd"]

                """,
            ["network-config"] = $"""
                version: 2
                ethernets:
                  nic0:
                    match:
                      macaddress: "{Mac}"
                    addresses: [{GuestIp}/24]

                """,
        };
        await RunAsync(root, "mkdir", "-p", $"{Dir}/seed");
        foreach (var (name, text) in files)
            await root.RunCheckedAsync(["tee", $"{Dir}/seed/{name}"], T, default, Encoding.UTF8.GetBytes(text));
        await RunAsync(root, "xorriso", "-as", "mkisofs", "-quiet", "-o", $"{Dir}/seed.iso", "-V", "cidata", "-J", "-r", $"{Dir}/seed");
    }

    private static async Task<string> ReadTextAsync(Virsh virsh, string path) => Encoding.UTF8.GetString(await virsh.GuestReadFileAsync(Vm, path));

    private static async Task<long> MemTotalKiBAsync(Virsh virsh)
    {
        var line = (await ReadTextAsync(virsh, "/proc/meminfo")).Split('\n').First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task WaitForGuestFileAsync(Virsh virsh, string path, TimeSpan limit)
    {
        await WaitUntilAsync(async () =>
        {
            try
            {
                await virsh.GuestReadFileAsync(Vm, path);
                return true;
            }
            catch (ObjectNotFoundException)
            {
                return false;
            }
        }, limit, $"{path} in the guest");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await done())
        {
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"waited {limit.TotalSeconds:0} s for {what}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Removes everything this test makes on h3; each step tolerates its object being absent.</summary>
    private static async Task CleanAsync(Virsh virsh, IHost root)
    {
        try { await virsh.DestroyAsync(Vm); } catch (ObjectNotFoundException) { }
        try { await virsh.UndefineAsync(Vm); } catch (ObjectNotFoundException) { }
        await root.RunAsync(["ip", "link", "del", Bridge], null, T, default);
        await RunAsync(root, "rm", "-rf", Dir);
    }

    private static Task RunAsync(IHost root, params string[] argv) => root.RunCheckedAsync(argv, T, default);

    private static Task<CommandResult> RawVirsh(IHost root, params string[] args) =>
        root.RunAsync(["env", "LC_ALL=C", "virsh", "-c", "qemu:///system", .. args], null, T, default);

    /// <summary>The agent's raw replies, for the parser fixtures (only when capturing).</summary>
    private async Task CaptureAgentRepliesAsync(IHost root)
    {
        if (Environment.GetEnvironmentVariable("MVM_VIRSH_CAPTURE") is not { Length: > 0 }) return;
        Task<CommandResult> Agent(string json) => RawVirsh(root, "qemu-agent-command", "--domain", Vm, json);
        Capture("virsh-9.0.0-agent-file-open-missing.stderr", (await Agent("""{"execute":"guest-file-open","arguments":{"path":"/var/lib/mvm-no-such-file"}}""")).StderrText);
        var open = await Agent("""{"execute":"guest-file-open","arguments":{"path":"/var/lib/mvm-marker","mode":"r"}}""");
        Capture("virsh-9.0.0-agent-file-open.json", open.StdoutText);
        var handle = JsonNode.Parse(open.StdoutText)!["return"]!.GetValue<long>();
        Capture("virsh-9.0.0-agent-file-read.json", (await Agent($$$"""{"execute":"guest-file-read","arguments":{"handle":{{{handle}}},"count":1048576}}""")).StdoutText);
        await Agent($$$"""{"execute":"guest-file-close","arguments":{"handle":{{{handle}}}}}""");
        var exec = await Agent("""{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","echo out; echo err >&2; exit 3"],"capture-output":true}}""");
        Capture("virsh-9.0.0-agent-exec.json", exec.StdoutText);
        var pid = JsonNode.Parse(exec.StdoutText)!["return"]!["pid"]!.GetValue<long>();
        Capture("virsh-9.0.0-agent-exec-status-running.json", (await Agent($$$"""{"execute":"guest-exec-status","arguments":{"pid":{{{pid}}}}}""")).StdoutText);
        await WaitUntilAsync(async () =>
        {
            var status = await Agent($$$"""{"execute":"guest-exec-status","arguments":{"pid":{{{pid}}}}}""");
            if (!status.StdoutText.Contains("\"exited\":true", StringComparison.Ordinal)) return false;
            Capture("virsh-9.0.0-agent-exec-status-exited.json", status.StdoutText);
            return true;
        }, T, "the captured guest-exec to exit");
        Capture("virsh-9.0.0-agent-ping.json", (await Agent("""{"execute":"guest-ping"}""")).StdoutText);
    }

    private void Capture(string name, string text)
    {
        if (Environment.GetEnvironmentVariable("MVM_VIRSH_CAPTURE") is not { Length: > 0 } dir) return;
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name), text);
        output.WriteLine($"captured {name}");
    }
}
