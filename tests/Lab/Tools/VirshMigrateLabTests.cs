using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools.VirshMigrate;

/// <summary>
/// <see cref="Virsh.MigrateAsync"/> against two real hosts: a running TCG domain built from a
/// <see cref="DomainSpec"/> moves h2 → h1 and back with the provider's defaults (`--live
/// --persistent --undefinesource`) over `qemu+ssh://root@…/system?keyfile=…`, the URI
/// <see cref="LibvirtUri.QemuSsh"/> builds. The client logs in as the sudo user mvm, as the
/// provider usually will; every check runs as root with plain virsh (and pgrep, test) on both
/// hosts, so it does not trust the client's parsers. The lab has no shared storage, so the
/// domain has no disks: what moves is the memory and the device state.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class VirshMigrateLabTests(LabFixture lab, ITestOutputHelper output)
{
    private const string Vm = "mvmtest-migrate";
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MigrateTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task RunningDomainMovesToTheOtherHostAndBackLeavingExactlyOneDefinition()
    {
        await using var transport = new SshTransport();
        var h1 = new Side(lab.H1, transport.Host(lab.Target(lab.H1)), new Virsh(transport.Host(lab.Target(lab.H1, c => c.SshUser = "mvm"))));
        var h2 = new Side(lab.H2, transport.Host(lab.Target(lab.H2)), new Virsh(transport.Host(lab.Target(lab.H2, c => c.SshUser = "mvm"))));
        var sw = Stopwatch.StartNew();
        foreach (var side in new[] { h1, h2 })
        {
            await LibvirtLabSetup.EnsureAsync(side.Root);
            output.WriteLine(LibvirtLabSetup.Report);
        }
        output.WriteLine(await MigrationLabSetup.EnsureSshTrustAsync(h2.Root, h1.Root, lab.H1.Management, lab.HostKey(lab.H1)));
        output.WriteLine(await MigrationLabSetup.EnsureSshTrustAsync(h1.Root, h2.Root, lab.H2.Management, lab.HostKey(lab.H2)));
        await CleanAsync(h1, h2);
        output.WriteLine($"prepare (setup + clean): {sw.ElapsedMilliseconds} ms");

        try
        {
            var uuid = Guid.NewGuid();
            var spec = new DomainSpec
            {
                Name = Vm,
                Uuid = uuid,
                // kvm is refused in the lab (no /dev/kvm); TCG migrates the same way.
                Type = DomainType.Qemu,
                MemoryKiB = LibvirtUnits.MiBToKiB(128),
                MaxVcpus = 1,
                // A named model, as the provider should give every domain that may move: the
                // same CPU on every host. Nothing TCG-specific is needed: with no <cpu> libvirt
                // picks qemu64 for TCG anyway, and even mode='maximum' migrated here (tried by
                // hand), because both hosts run the same QEMU 7.2 and so also agree on the
                // versioned q35 machine libvirt expands to. Hosts that differ need the named model.
                Cpu = CpuSpec.Named("qemu64"),
                // No disks (nothing shared to put them on) and no NICs; the default devices
                // (serial console, guest-agent channel, balloon, RNG, virtio-scsi, spare PCIe
                // ports) stay, so their state migrates too. SeaBIOS finds nothing to boot and
                // keeps the vCPU busy retrying, which is a running guest all the same.
                Metadata = new Dictionary<string, string> { ["resource"] = "urn:pulumi:test::migrate" },
            };
            await h2.Virsh.DefineAsync(DomainXml.FromSpec(spec));
            Assert.True(await h2.Virsh.StartAsync(Vm));
            // Changes for the next cold boot only: the live domain keeps 128 MiB and 1 vCPU.
            await h2.Virsh.SetMaxMemAsync(Vm, LibvirtUnits.MiBToKiB(192));
            await h2.Virsh.SetMaxVcpusAsync(Vm, 2);
            await AssertRunsOnlyOnAsync(h2, h1, uuid);

            // The destination's host key is checked, not accepted: known_hosts has h1 under the
            // address the URI uses, so the same host by another name is refused, with no prompt
            // to hang on.
            var unknownName = await Assert.ThrowsAsync<RemoteCommandFailedException>(() =>
                h2.Virsh.MigrateAsync(Vm, new MigrateOptions(LibvirtUri.QemuSsh(lab.H1.Name, keyFile: MigrationLabSetup.KeyFile)), MigrateTimeout));
            Assert.Contains("Host key verification failed", unknownName.Message);
            await AssertRunsOnlyOnAsync(h2, h1, uuid);

            // Without the key in the URI, root on h2 has no identity h1 accepts: the migration
            // fails before anything moves, and the domain keeps running where it was. (This is
            // what proves the ?keyfile= path below is the one that works.)
            var noKey = await Assert.ThrowsAsync<RemoteCommandFailedException>(() =>
                h2.Virsh.MigrateAsync(Vm, new MigrateOptions(LibvirtUri.QemuSsh(lab.H1.Management)), MigrateTimeout));
            Assert.Contains("Permission denied", noKey.Message);
            output.WriteLine($"without keyfile: {noKey.Message}");
            await AssertRunsOnlyOnAsync(h2, h1, uuid);

            // There…
            var there = await MigrateAsync(from: h2, to: h1);
            await AssertRunsOnlyOnAsync(h1, h2, uuid);
            // --persistent defines on h1 the source's persistent definition, not a copy of the
            // live one: the next-boot changes came along, the running domain is as it was, and
            // the provider's metadata and CPU model survived.
            var defined = DomainXml.Parse(await Sh(h1.Root, "virsh", "dumpxml", "--inactive", Vm));
            var running = DomainXml.Parse(await Sh(h1.Root, "virsh", "dumpxml", Vm));
            Assert.Equal((LibvirtUnits.MiBToKiB(192), 2, 1), (defined.MemoryKiB, defined.MaxVcpus, defined.Vcpus));
            Assert.Equal((spec.MemoryKiB, 1, 1), (running.MemoryKiB, running.MaxVcpus, running.Vcpus));
            Assert.Equal(spec.Metadata, defined.Metadata);
            Assert.Equal(spec.Cpu, defined.ToSpec().Cpu);
            output.WriteLine($"h2 -> h1: virsh migrate returned in {there.TotalMilliseconds:F0} ms\n{await JobInfoAsync(h1)}");

            // …and back, with the other options MigrateOptions has, so each argv word it builds
            // is one libvirt 9.0 accepts: the memory over the storage network (the destination's
            // own hostname is the default, which production hosts may not resolve), a bandwidth
            // cap well above what TCG produces, and auto-converge.
            var storageRx = await RxBytesAsync(h2.Root, "eth1");
            var back = await MigrateAsync(from: h1, to: h2, o => o with
            {
                MigrateUri = $"tcp://{lab.H2.Storage}",
                BandwidthMiBs = 1024,
                AutoConverge = true,
            });
            await AssertRunsOnlyOnAsync(h2, h1, uuid);
            // The guest's memory (≈ 0.8 MiB touched, zero pages skipped) came in on the storage
            // NIC; nothing else sends h2 that much there (Ceph lives on h3 alone).
            var received = await RxBytesAsync(h2.Root, "eth1") - storageRx;
            Assert.True(received > 512 * 1024, $"h2 received only {received} bytes on eth1 (storage) during the migration");
            output.WriteLine($"h2 eth1 (storage) received {received / 1024} KiB during the migration");
            output.WriteLine($"h1 -> h2: virsh migrate returned in {back.TotalMilliseconds:F0} ms\n{await JobInfoAsync(h2)}");
        }
        finally
        {
            await CleanAsync(h1, h2);
        }
        Assert.DoesNotContain(Vm, await Sh(h1.Root, "virsh", "list", "--all", "--name"));
        Assert.DoesNotContain(Vm, await Sh(h2.Root, "virsh", "list", "--all", "--name"));
    }

    /// <summary>One host: root for setup and checks, the client as the provider logs in.</summary>
    private sealed record Side(LabHost Lab, IHost Root, Virsh Virsh);

    private async Task<TimeSpan> MigrateAsync(Side from, Side to, Func<MigrateOptions, MigrateOptions>? change = null)
    {
        // The provider's production URI: root on the destination, the dedicated key passed by
        // the URI (not by root's ~/.ssh/config, which the provider would have to own and merge),
        // the host key checked against the source's known_hosts.
        var uri = LibvirtUri.QemuSsh(to.Lab.Management, keyFile: MigrationLabSetup.KeyFile);
        var sw = Stopwatch.StartNew();
        var options = new MigrateOptions(uri);
        await from.Virsh.MigrateAsync(Vm, change is null ? options : change(options), MigrateTimeout);
        return sw.Elapsed;
    }

    /// <summary>
    /// On <paramref name="on"/>: running, same UUID, persistent, its definition on disk, a QEMU
    /// process. On <paramref name="off"/>: not running, not defined, no file, no process.
    /// </summary>
    private async Task AssertRunsOnlyOnAsync(Side on, Side off, Guid uuid)
    {
        Assert.Equal(uuid.ToString("D"), (await Sh(on.Root, "virsh", "domuuid", Vm)).Trim());
        Assert.Equal("running", (await Sh(on.Root, "virsh", "domstate", Vm)).Trim());
        Assert.Matches(@"(?m)^Persistent:\s+yes$", await Sh(on.Root, "virsh", "dominfo", Vm));
        Assert.Contains(uuid.ToString("D"), await Sh(on.Root, "virsh", "list", "--persistent", "--uuid"));
        Assert.Equal(0, (await on.Root.RunAsync(["test", "-f", $"/etc/libvirt/qemu/{Vm}.xml"], null, T, default)).ExitCode);
        Assert.Contains($"guest={Vm},", await QemuProcessesAsync(on.Root));

        Assert.DoesNotContain(uuid.ToString("D"), await Sh(off.Root, "virsh", "list", "--all", "--uuid"));
        var info = await RawVirsh(off.Root, "dominfo", Vm);
        Assert.NotEqual(0, info.ExitCode);
        Assert.Contains($"failed to get domain '{Vm}'", info.StderrText);
        Assert.NotEqual(0, (await off.Root.RunAsync(["test", "-e", $"/etc/libvirt/qemu/{Vm}.xml"], null, T, default)).ExitCode);
        Assert.DoesNotContain($"guest={Vm},", await QemuProcessesAsync(off.Root));
    }

    /// <summary>
    /// The command lines of the host's QEMU processes. Matched by process name, not `pgrep -f
    /// guest=…`: the remote shell that runs pgrep has that pattern in its own command line.
    /// </summary>
    private static async Task<string> QemuProcessesAsync(IHost root) =>
        (await root.RunAsync(["pgrep", "-a", "qemu-system-x86"], null, T, default)).StdoutText;

    private static async Task<long> RxBytesAsync(IHost root, string nic) =>
        long.Parse((await Sh(root, "cat", $"/sys/class/net/{nic}/statistics/rx_bytes")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The destination's record of the finished job: libvirt's own time and downtime figures.</summary>
    private static async Task<string> JobInfoAsync(Side destination)
    {
        var r = await RawVirsh(destination.Root, "domjobinfo", Vm, "--completed");
        return string.Join('\n', r.StdoutText.Split('\n').Where(l => l.StartsWith("Time elapsed", StringComparison.Ordinal)
            || l.StartsWith("Total downtime", StringComparison.Ordinal) || l.StartsWith("Memory processed", StringComparison.Ordinal)
            || l.StartsWith("Operation", StringComparison.Ordinal)));
    }

    /// <summary>Removes the domain from both hosts, wherever an earlier (possibly failed) run left it.</summary>
    private static async Task CleanAsync(params Side[] sides)
    {
        foreach (var side in sides)
        {
            await Ignore(() => side.Virsh.DestroyAsync(Vm));
            await Ignore(() => side.Virsh.UndefineAsync(Vm));
        }

        static async Task Ignore(Func<Task> remove)
        {
            try
            {
                await remove();
            }
            catch (ObjectNotFoundException)
            {
            }
        }
    }

    private static async Task<string> Sh(IHost root, params string[] argv) => (await root.RunCheckedAsync(["env", "LC_ALL=C", .. argv], T, default)).StdoutText;

    private static Task<CommandResult> RawVirsh(IHost root, params string[] args) =>
        root.RunAsync(["env", "LC_ALL=C", "virsh", .. args], null, T, default);
}
