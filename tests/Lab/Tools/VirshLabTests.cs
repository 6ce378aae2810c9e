using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// The Virsh client against real libvirt 9.0 / QEMU 7.2 on lab host h2 (TCG, so domains are
/// type qemu). The client logs in as the sudo user mvm, as the provider usually will; checks
/// run as root with plain virsh / ovs-vsctl / test, so they do not trust the client's parsers.
/// Every test starts by removing what an earlier (possibly failed) run left.
/// Set MVM_VIRSH_CAPTURE=&lt;dir&gt; to write the real outputs the unit tests use as fixtures.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class VirshLabTests(LabFixture lab, ITestOutputHelper output)
{
    private const string Vm = "mvmtest-vm1";
    private const string RbdVm = "mvmtest-rbd";
    private const string Net = "mvmtest-net";
    private const string Bridge = "mvmtest-br0";
    private const string Pool = "mvmtest-rbd-pool";
    private const string Dir = "/var/lib/mvm-virsh-test";
    private static readonly Guid SecretUuid = Guid.Parse("6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11");
    private static readonly Guid PoolSecretUuid = Guid.Parse("6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c12");
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DomainFromSpecRunsAndChangesLiveWithinItsMaximums()
    {
        await using var transport = new SshTransport();
        var (virsh, root) = await PrepareAsync(transport);
        var sw = Stopwatch.StartNew();
        var version = (await Sh(root, "virsh", "--version")).Trim();

        // Disks the way the provider will have them: a qcow2 boot disk and a cloud-init seed CD-ROM.
        await Sh(root, "mkdir", "-p", Dir);
        await Sh(root, "qemu-img", "create", "-q", "-f", "qcow2", $"{Dir}/boot.qcow2", "64M");
        await Sh(root, "qemu-img", "create", "-q", "-f", "raw", $"{Dir}/seed.iso", "1M");
        await Sh(root, "qemu-img", "create", "-q", "-f", "qcow2", $"{Dir}/data-virtio.qcow2", "32M");
        await Sh(root, "qemu-img", "create", "-q", "-f", "qcow2", $"{Dir}/data-scsi.qcow2", "32M");
        // The OVS bridge and the port-group network a compute VLAN would get (OVS here runs in userspace).
        await Sh(root, "ovs-vsctl", "--may-exist", "add-br", Bridge, "--", "set", "bridge", Bridge, "datapath_type=netdev");
        await virsh.NetDefineAsync(NetworkXml.FromSpec(new OvsNetworkSpec(Net, Bridge, [new("vlan-200", 200)])));
        await virsh.NetStartAsync(Net);

        var uuid = Guid.NewGuid();
        var spec = new DomainSpec
        {
            Name = Vm,
            Uuid = uuid,
            Type = DomainType.Qemu,
            MemoryKiB = LibvirtUnits.MiBToKiB(384),
            CurrentMemoryKiB = LibvirtUnits.MiBToKiB(256),
            MaxVcpus = 4,
            Vcpus = 1,
            Cpu = CpuSpec.Named("qemu64"),
            Firmware = Firmware.Uefi,
            Disks =
            [
                new DiskSpec { Source = new FileDiskSource($"{Dir}/boot.qcow2"), TargetDev = "vda", Serial = "boot", Discard = true },
                DiskSpec.CdromSeed(new FileDiskSource($"{Dir}/seed.iso", "raw")),
            ],
            Interfaces =
            [
                InterfaceSpec.OvsBridge(Bridge, vlanTag: 100, mac: "52:54:00:6d:00:01"),
                InterfaceSpec.OnNetwork(Net, "vlan-200", mac: "52:54:00:6d:00:02"),
            ],
            Metadata = new Dictionary<string, string> { ["resource"] = "urn:pulumi:test::vm1" },
        };
        await virsh.DefineAsync(DomainXml.FromSpec(spec));
        Assert.True(await virsh.StartAsync(Vm));
        Assert.False(await virsh.StartAsync(Vm)); // already running: nothing to do
        Capture($"virsh-{version}-start-already-active.stderr", (await RawVirsh(root, ["start", Vm], null)).StderrText);
        output.WriteLine($"define+start: {sw.ElapsedMilliseconds} ms");

        // What libvirt made of the spec maps back to the same spec (machine and firmware expanded by libvirt).
        var live = await virsh.DumpXmlAsync(Vm);
        Capture($"virsh-{version}-dumpxml-running.xml", await Sh(root, "virsh", "dumpxml", Vm));
        Assert.Equal(uuid, live.Uuid);
        Assert.NotNull(live.Id);
        Assert.StartsWith("pc-q35-", live.Machine);
        Assert.Equal(Firmware.Uefi, live.Firmware);
        Assert.False(live.SecureBoot);
        Assert.EndsWith($"/{Vm}_VARS.fd", live.NvramPath);
        var back = live.ToSpec();
        Assert.Equal(spec.Disks, back.Disks);
        Assert.Equal(spec.Interfaces, back.Interfaces);
        Assert.Equal(spec.Metadata, back.Metadata);
        Assert.Equal((spec.MemoryKiB, spec.MaxVcpus, 1, spec.Cpu), (back.MemoryKiB, back.MaxVcpus, back.Vcpus, back.Cpu));
        // The VLANs really are on the OVS ports libvirt created.
        var nics = live.Interfaces;
        Assert.Equal("100", (await Sh(root, "ovs-vsctl", "get", "port", nics[0].TargetDev!, "tag")).Trim());
        Assert.Equal("200", (await Sh(root, "ovs-vsctl", "get", "port", nics[1].TargetDev!, "tag")).Trim());

        // Round trip through libvirt: the dumped definition, parsed and written back by the
        // model, defines to exactly the same definition — nothing lost or reordered.
        var inactive = await virsh.DumpXmlAsync(Vm, inactive: true);
        Capture($"virsh-{version}-dumpxml-inactive-uefi.xml", await Sh(root, "virsh", "dumpxml", "--inactive", Vm));
        await virsh.DefineAsync(DomainXml.Parse(inactive.ToXml()));
        var again = await virsh.DumpXmlAsync(Vm, inactive: true);
        Assert.True(XNode.DeepEquals(inactive.Root, again.Root), "re-defining the parsed definition changed it:\n" + again.ToXml());
        // A managed change through the model changes that part only.
        var edited = again.Clone();
        edited.SetMetadata("stage", "2");
        edited.Description = "edited through DomainXml";
        await virsh.DefineAsync(edited);
        var afterEdit = await virsh.DumpXmlAsync(Vm, inactive: true);
        Assert.Equal("2", afterEdit.Metadata["stage"]);
        Assert.Equal("edited through DomainXml", afterEdit.Description);
        Assert.True(XNode.DeepEquals(edited.Root, afterEdit.Root), "libvirt changed more than the edit:\n" + afterEdit.ToXml());

        var state = await virsh.DomStateAsync(Vm);
        Assert.Equal((DomainState.Running, "booted"), (state.State, state.Reason));
        var info = await virsh.DomInfoAsync(Vm);
        Capture($"virsh-{version}-dominfo-running.txt", await Sh(root, "virsh", "dominfo", Vm));
        Assert.Equal((uuid, DomainState.Running, 1, true), (info.Uuid, info.State, info.Vcpus, info.Persistent));
        Assert.Equal(spec.MemoryKiB, info.MaxMemoryKiB);
        Assert.Contains(new DomainListEntry(uuid, Vm), await virsh.ListAsync());
        Capture($"virsh-{version}-list-all-uuid-name.txt", await Sh(root, "virsh", "list", "--all", "--uuid", "--name"));
        Capture($"virsh-{version}-domstate-running.txt", await Sh(root, "virsh", "domstate", Vm, "--reason"));

        // CPUs: hot-add within the maximum, live and in the definition; beyond it is refused.
        sw.Restart();
        await virsh.SetVcpusAsync(Vm, 2, ChangeScope.LiveAndConfig);
        Assert.Contains("CPU(s):         2", await Sh(root, "virsh", "dominfo", Vm));
        Assert.Contains("current='2'", await Sh(root, "virsh", "dumpxml", "--inactive", Vm));
        var tooMany = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.SetVcpusAsync(Vm, 5, ChangeScope.Live));
        Capture($"virsh-{version}-setvcpus-over-max.stderr", tooMany.Stderr);
        Assert.Contains("greater than max", tooMany.Message);

        // Memory: the balloon target within the maximum. QEMU accepts the live target, but with
        // no guest OS there is no balloon driver to give memory back, so dominfo's "Used memory"
        // cannot move here (issue 5's guest shows it); the definition changes for real.
        await virsh.SetMemAsync(Vm, LibvirtUnits.MiBToKiB(320), ChangeScope.LiveAndConfig);
        Assert.Contains("<currentMemory unit='KiB'>327680</currentMemory>", await Sh(root, "virsh", "dumpxml", "--inactive", Vm));
        Assert.Contains("Max memory:     393216 KiB", await Sh(root, "virsh", "dominfo", Vm));
        var overMax = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.SetMemAsync(Vm, LibvirtUnits.MiBToKiB(512), ChangeScope.Live));
        Assert.Contains("higher than max memory", overMax.Message);
        await virsh.SetMaxMemAsync(Vm, LibvirtUnits.MiBToKiB(512));
        await virsh.SetMaxVcpusAsync(Vm, 6);
        var nextBoot = await virsh.DumpXmlAsync(Vm, inactive: true);
        Assert.Equal((LibvirtUnits.MiBToKiB(512), 6, 2), (nextBoot.MemoryKiB, nextBoot.MaxVcpus, nextBoot.Vcpus));
        output.WriteLine($"setvcpus/setmem/setmaxmem: {sw.ElapsedMilliseconds} ms");

        // Disks: a virtio disk hot-plugs into one of the spare PCIe ports the spec reserved; a
        // SCSI disk attaches, grows and detaches at once (no guest cooperation needed).
        sw.Restart();
        var virtioDisk = new DiskSpec { Source = new FileDiskSource($"{Dir}/data-virtio.qcow2"), TargetDev = "vdb", Serial = "data1" };
        await virsh.AttachDeviceAsync(Vm, virtioDisk, ChangeScope.LiveAndConfig);
        var scsiDisk = new DiskSpec { Source = new FileDiskSource($"{Dir}/data-scsi.qcow2"), TargetDev = "sdb", Bus = DiskBus.Scsi, Serial = "data2" };
        await virsh.AttachDeviceAsync(Vm, scsiDisk, ChangeScope.LiveAndConfig);
        var blk = await Sh(root, "virsh", "domblklist", Vm);
        Assert.Contains($"vdb      {Dir}/data-virtio.qcow2", blk);
        Assert.Contains($"sdb      {Dir}/data-scsi.qcow2", blk);
        await virsh.BlockResizeAsync(Vm, "sdb", 64L << 20);
        Assert.Contains("Capacity:       67108864", await Sh(root, "virsh", "domblkinfo", Vm, "sdb"));
        Assert.Equal(64L << 20, (await virsh.DomBlkInfoAsync(Vm, "sdb")).CapacityBytes);
        var shrink = await Assert.ThrowsAsync<ArgumentException>(() => virsh.BlockResizeAsync(Vm, "sdb", 16L << 20));
        Assert.Contains("refusing to shrink", shrink.Message);
        Assert.Contains("Capacity:       67108864", await Sh(root, "virsh", "domblkinfo", Vm, "sdb"));
        var scsiNow = (await virsh.DumpXmlAsync(Vm)).FindDisk("sdb")!;
        await virsh.DetachDeviceAsync(Vm, scsiNow, ChangeScope.LiveAndConfig);
        Assert.DoesNotContain("sdb", await Sh(root, "virsh", "domblklist", Vm));
        Assert.DoesNotContain("data-scsi", await Sh(root, "virsh", "dumpxml", "--inactive", Vm));
        var gone = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.DetachDeviceAsync(Vm, scsiDisk, ChangeScope.Live));
        Capture($"virsh-{version}-detach-missing-disk.stderr", (await RawVirsh(root, ["detach-device", Vm, "/dev/stdin", "--live"], DomainXml.DiskXml(scsiDisk))).StderrText);
        Assert.Equal(("device", "sdb"), (gone.Kind, gone.Name));
        var noDisk = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.BlockResizeAsync(Vm, "vdz", 1L << 30, allowShrink: true));
        Assert.Equal(("disk", "vdz"), (noDisk.Kind, noDisk.Name));
        Capture($"virsh-{version}-blockresize-missing-disk.stderr", (await RawVirsh(root, ["blockresize", Vm, "vdz", "1G"], null)).StderrText);
        noDisk = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.DomBlkInfoAsync(Vm, "vdz"));
        Assert.Equal(("disk", "vdz"), (noDisk.Kind, noDisk.Name));
        Capture($"virsh-{version}-domblkinfo-missing-disk.stderr", (await RawVirsh(root, ["domblkinfo", Vm, "vdz"], null)).StderrText);
        // The virtio disk leaves the definition only: a live virtio unplug needs a guest OS to
        // release the device (libvirt waits 5 s for it, then reports success with the device
        // still there), which issue 5's guest provides. The NIC below shows the live+config form.
        var virtioNow = (await virsh.DumpXmlAsync(Vm)).FindDisk("vdb")!;
        await virsh.DetachDeviceAsync(Vm, virtioNow, ChangeScope.Config);
        Assert.Null((await virsh.DumpXmlAsync(Vm, inactive: true)).FindDisk("vdb"));
        Assert.NotNull((await virsh.DumpXmlAsync(Vm)).FindDisk("vdb"));
        output.WriteLine($"disk attach/resize/detach: {sw.ElapsedMilliseconds} ms");

        // NICs: an OVS port with a VLAN tag hot-plugs, and leaves the definition on detach.
        sw.Restart();
        var nic = InterfaceSpec.OvsBridge(Bridge, vlanTag: 300, mac: "52:54:00:6d:00:03");
        await virsh.AttachDeviceAsync(Vm, nic, ChangeScope.LiveAndConfig);
        var plugged = (await virsh.DumpXmlAsync(Vm)).FindInterface(nic.Mac!)!;
        Assert.Equal("300", (await Sh(root, "ovs-vsctl", "get", "port", plugged.TargetDev!, "tag")).Trim());
        Assert.Contains("52:54:00:6d:00:03", await Sh(root, "virsh", "domiflist", Vm));
        // Identified by MAC alone, so one call matches both the live NIC and the definition's.
        await virsh.DetachDeviceAsync(Vm, plugged, ChangeScope.LiveAndConfig);
        Assert.Null((await virsh.DumpXmlAsync(Vm, inactive: true)).FindInterface(nic.Mac!));
        output.WriteLine($"nic attach/detach: {sw.ElapsedMilliseconds} ms");

        // Stop: no OS answers ACPI, so a graceful shutdown times out and destroy does it.
        sw.Restart();
        Assert.False(await virsh.ShutdownAsync(Vm, TimeSpan.FromSeconds(1)));
        Assert.True(await virsh.DestroyAsync(Vm));
        Assert.False(await virsh.DestroyAsync(Vm));
        Assert.True(await virsh.ShutdownAsync(Vm, TimeSpan.FromSeconds(1))); // already off
        Assert.Equal(DomainState.ShutOff, (await virsh.DomStateAsync(Vm)).State);
        Capture($"virsh-{version}-dominfo-shutoff.txt", await Sh(root, "virsh", "dominfo", Vm));
        Capture($"virsh-{version}-domstate-destroyed.txt", await Sh(root, "virsh", "domstate", Vm, "--reason"));
        var nvram = live.NvramPath!;
        Assert.Equal(0, (await root.RunAsync(["test", "-f", nvram], null, T, default)).ExitCode);
        Capture($"virsh-{version}-shutdown-not-running.stderr", (await RawVirsh(root, ["shutdown", Vm], null)).StderrText);
        // Why UndefineAsync always passes --nvram (or --keep-nvram): plain undefine refuses.
        var plainUndefine = await RawVirsh(root, ["undefine", Vm], null);
        Assert.Contains("cannot undefine domain with nvram", plainUndefine.StderrText);
        Capture($"virsh-{version}-undefine-uefi-without-nvram-flag.stderr", plainUndefine.StderrText);
        await virsh.UndefineAsync(Vm);
        Assert.NotEqual(0, (await root.RunAsync(["test", "-e", nvram], null, T, default)).ExitCode);
        Assert.DoesNotContain(Vm, await Sh(root, "virsh", "list", "--all", "--name"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.UndefineAsync(Vm));
        output.WriteLine($"shutdown/destroy/undefine: {sw.ElapsedMilliseconds} ms");
        output.WriteLine(LibvirtLabSetup.Report);
        await CleanAsync(virsh, root);
    }

    [Fact]
    public async Task RbdDiskDomainWithCephxSecretIsAcceptedAsBuilt()
    {
        await using var transport = new SshTransport();
        var (virsh, root) = await PrepareAsync(transport);
        var version = (await Sh(root, "virsh", "--version")).Trim();
        // Defined, not started: there is no Ceph here, and what matters is that libvirt takes the
        // RBD disk (monitors, cephx user, secret reference) and gives it back the same.
        var rbd = new DiskSpec
        {
            Source = new RbdDiskSource("vms", "mvmtest-rbd-boot", [new CephMonitor("10.20.1.11", 6789), new CephMonitor("10.20.1.13")],
                new CephAuth("libvirt", SecretUuid)),
            TargetDev = "vda",
            Cache = "writeback",
            Discard = true,
            Serial = "boot",
        };
        var spec = new DomainSpec
        {
            Name = RbdVm,
            // kvm would be refused here ("Emulator … does not support virt type 'kvm'": no /dev/kvm in the lab).
            Type = DomainType.Qemu,
            MemoryKiB = LibvirtUnits.MiBToKiB(1024),
            MaxVcpus = 8,
            Vcpus = 2,
            Cpu = new CpuSpec(CpuMode.Maximum),
            Disks = [rbd, DiskSpec.CdromSeed(new RbdDiskSource("vms", "mvmtest-rbd-seed", [], new CephAuth("libvirt", SecretUuid)))],
            Interfaces = [InterfaceSpec.OvsBridge(Bridge, 42, "52:54:00:6d:01:01")],
        };
        await virsh.DefineAsync(DomainXml.FromSpec(spec));
        var dumped = await virsh.DumpXmlAsync(RbdVm, inactive: true);
        Capture($"virsh-{version}-dumpxml-inactive-rbd.xml", await Sh(root, "virsh", "dumpxml", "--inactive", RbdVm));
        var back = dumped.ToSpec();
        Assert.Equal(spec.Disks, back.Disks);
        Assert.Equal(spec.Interfaces, back.Interfaces);
        Assert.Equal((DomainType.Qemu, CpuMode.Maximum, Firmware.Bios), (back.Type, back.Cpu!.Mode, back.Firmware));
        var kvm = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.DefineAsync(DomainXml.FromSpec(spec with { Name = RbdVm + "-kvm", Type = DomainType.Kvm })));
        Capture($"virsh-{version}-define-kvm-without-kvm.stderr", kvm.Stderr);
        Assert.Contains("does not support virt type 'kvm'", kvm.Message);
        Assert.Equal(("vms", "mvmtest-rbd-boot"), (dumped.Disks[0].RbdPool, dumped.Disks[0].RbdImage));
        var info = await virsh.DomInfoAsync(RbdVm);
        Assert.Equal((DomainState.ShutOff, (int?)null), (info.State, info.Id));
        Assert.False(await virsh.DestroyAsync(RbdVm));
        await virsh.UndefineAsync(RbdVm);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.DomInfoAsync(RbdVm));
    }

    [Fact]
    public async Task OvsPortGroupNetworkLifecycle()
    {
        await using var transport = new SshTransport();
        var (virsh, root) = await PrepareAsync(transport);
        var version = (await Sh(root, "virsh", "--version")).Trim();
        var spec = new OvsNetworkSpec(Net, Bridge, [new("vlan-100", 100, IsDefault: true), new("vlan-200", 200)]);
        await virsh.NetDefineAsync(NetworkXml.FromSpec(spec));
        Assert.Contains(Net, await virsh.NetListAsync());
        Assert.False((await virsh.NetInfoAsync(Net)).Active);
        Assert.True(await virsh.NetStartAsync(Net));
        Assert.False(await virsh.NetStartAsync(Net));
        Capture($"virsh-{version}-net-start-already-active.stderr", (await RawVirsh(root, ["net-start", Net], null)).StderrText);
        await virsh.NetAutostartAsync(Net);
        var info = await virsh.NetInfoAsync(Net);
        Capture($"virsh-{version}-net-info.txt", await Sh(root, "virsh", "net-info", Net));
        Assert.Equal((true, true, true, Bridge), (info.Active, info.Persistent, info.Autostart, info.Bridge));
        var xml = await virsh.NetDumpXmlAsync(Net);
        Capture($"virsh-{version}-net-dumpxml.xml", await Sh(root, "virsh", "net-dumpxml", Net));
        Assert.Equal(("bridge", Bridge, "openvswitch"), (xml.ForwardMode, xml.Bridge, xml.VirtualPortType));
        Assert.Equal(spec.PortGroups, xml.PortGroups);
        Assert.Contains("Autostart:      yes", await Sh(root, "virsh", "net-info", Net));
        await virsh.NetAutostartAsync(Net, enable: false);
        Assert.True(await virsh.NetDestroyAsync(Net));
        Assert.False(await virsh.NetDestroyAsync(Net));
        Capture($"virsh-{version}-net-destroy-not-active.stderr", (await RawVirsh(root, ["net-destroy", Net], null)).StderrText);
        await virsh.NetUndefineAsync(Net);
        Assert.DoesNotContain(Net, await Sh(root, "virsh", "net-list", "--all", "--name"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.NetInfoAsync(Net));
        Assert.Equal(("network", Net), (e.Kind, e.Name));
    }

    [Fact]
    public async Task SecretValueGoesOnStdinAndNeverOnArgv()
    {
        await using var transport = new SshTransport();
        var (virsh, root) = await PrepareAsync(transport, out var recorder);
        var version = (await Sh(root, "virsh", "--version")).Trim();
        // A cephx key as `ceph auth get-key` prints it. Not private, so root can read it back here.
        var key = Convert.ToBase64String(Encoding.ASCII.GetBytes("mvm-test-key-" + Guid.NewGuid().ToString("N")));
        await virsh.SecretDefineAsync(SecretXml.FromSpec(new SecretSpec(SecretUuid, "client.mvmtest secret") { Private = false, Description = "mvm lab test" }));
        await virsh.SecretSetValueBase64Async(SecretUuid, key);
        Assert.Equal(key, (await Sh(root, "virsh", "secret-get-value", SecretUuid.ToString())).Trim());
        // Raw bytes go through base64 on the way and arrive intact.
        var raw = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await virsh.SecretSetValueAsync(SecretUuid, raw);
        Assert.Equal(Convert.ToBase64String(raw), (await Sh(root, "virsh", "secret-get-value", SecretUuid.ToString())).Trim());
        await virsh.SecretSetValueBase64Async(SecretUuid, key);

        // Every argv the client sent in this test, as the transport got it: the key is on none.
        Assert.NotEmpty(recorder.Calls);
        Assert.DoesNotContain(recorder.Calls, c => c.Argv.Any(a => a.Contains(key, StringComparison.Ordinal)));
        Assert.Contains(recorder.Calls, c => c.Stdin is { } s && Encoding.ASCII.GetString(s).Trim() == key);
        Assert.Equal(["env", "LC_ALL=C", "virsh", "-c", "qemu:///system", "secret-set-value", "--secret", SecretUuid.ToString(), "--file", "/dev/stdin"],
            recorder.Calls.Last(c => c.Argv.Contains("secret-set-value")).Argv);
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => virsh.SecretSetValueBase64Async(SecretUuid, "%%not base64%%"));
        Assert.DoesNotContain("not base64%%", bad.Message);

        var list = await virsh.SecretListAsync();
        Capture($"virsh-{version}-secret-list.txt", await Sh(root, "virsh", "secret-list"));
        Assert.Contains(new SecretListEntry(SecretUuid, "ceph client.mvmtest secret"), list);
        var xml = await virsh.SecretDumpXmlAsync(SecretUuid);
        Assert.Equal((SecretUuid, "ceph", "client.mvmtest secret", false), (xml.Uuid, xml.UsageType, xml.UsageName, xml.Private));
        await virsh.SecretUndefineAsync(SecretUuid);
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.SecretUndefineAsync(SecretUuid));
        Assert.Equal(("secret", SecretUuid.ToString()), (e.Kind, e.Name));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.SecretSetValueBase64Async(SecretUuid, key));
    }

    [Fact]
    public async Task RbdPoolDefinitionAndAMissingSecretIsNotAMissingPool()
    {
        await using var transport = new SshTransport();
        var (virsh, root) = await PrepareAsync(transport);
        var version = (await Sh(root, "virsh", "--version")).Trim();
        var spec = new RbdPoolSpec(Pool, "vms", [new CephMonitor("10.20.1.11", 6789), new CephMonitor("10.20.1.12")], new CephAuth("libvirt", PoolSecretUuid));
        await virsh.PoolDefineAsync(PoolXml.FromSpec(spec));
        Assert.Contains(Pool, await virsh.PoolListAsync());
        Capture($"virsh-{version}-pool-list-all-name.txt", await Sh(root, "virsh", "pool-list", "--all", "--name"));
        var xml = await virsh.PoolDumpXmlAsync(Pool);
        Capture($"virsh-{version}-pool-dumpxml-rbd.xml", await Sh(root, "virsh", "pool-dumpxml", Pool));
        Assert.Equal(("rbd", "vms", spec.Auth), (xml.Type, xml.SourceName, xml.Auth));
        Assert.Equal(spec.Monitors, xml.Hosts);
        var info = await virsh.PoolInfoAsync(Pool);
        Capture($"virsh-{version}-pool-info-inactive.txt", await Sh(root, "virsh", "pool-info", Pool, "--bytes"));
        Assert.Equal(("inactive", true, false, (long?)null), (info.State, info.Persistent, info.Autostart, info.CapacityBytes));
        // Starting needs the secret (and Ceph): the failure names the secret, and the pool is still there.
        var start = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.PoolStartAsync(Pool));
        Capture($"virsh-{version}-pool-start-missing-secret.stderr", start.Stderr);
        Assert.Contains("Secret not found", start.Message);
        Assert.False(await virsh.PoolDestroyAsync(Pool));
        Capture($"virsh-{version}-pool-destroy-not-active.stderr", (await RawVirsh(root, ["pool-destroy", Pool], null)).StderrText);
        await virsh.PoolUndefineAsync(Pool);
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.PoolInfoAsync(Pool));
        Assert.Equal(("pool", Pool), (e.Kind, e.Name));

        // A directory pool shows the running shape of pool-info (sizes in bytes).
        await Sh(root, "mkdir", "-p", Dir);
        await virsh.PoolDefineAsync($"<pool type='dir'><name>{Pool}</name><target><path>{Dir}</path></target></pool>");
        Assert.True(await virsh.PoolStartAsync(Pool));
        Assert.False(await virsh.PoolStartAsync(Pool));
        Capture($"virsh-{version}-pool-start-already-active.stderr", (await RawVirsh(root, ["pool-start", Pool], null)).StderrText);
        var running = await virsh.PoolInfoAsync(Pool);
        Capture($"virsh-{version}-pool-info-running.txt", await Sh(root, "virsh", "pool-info", Pool, "--bytes"));
        Assert.True(running is { IsRunning: true, CapacityBytes: > 0, AvailableBytes: > 0 });
        Assert.True(await virsh.PoolDestroyAsync(Pool));
        await virsh.PoolUndefineAsync(Pool);
    }

    [Fact]
    public async Task MissingObjectsAreObjectNotFound()
    {
        await using var transport = new SshTransport();
        var (virsh, root) = await PrepareAsync(transport);
        var version = (await Sh(root, "virsh", "--version")).Trim();
        const string Missing = "mvmtest-missing";
        foreach (var call in new Func<Task>[]
                 {
                     () => virsh.DumpXmlAsync(Missing), () => virsh.StartAsync(Missing), () => virsh.DestroyAsync(Missing),
                     () => virsh.UndefineAsync(Missing), () => virsh.DomInfoAsync(Missing), () => virsh.ShutdownAsync(Missing, TimeSpan.Zero),
                     () => virsh.SetVcpusAsync(Missing, 1, ChangeScope.Live),
                     () => virsh.MigrateAsync(Missing, new MigrateOptions(LibvirtUri.QemuSsh(lab.H3.Management)), T),
                 })
        {
            var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
            Assert.Equal(("domain", Missing, "h2"), (e.Kind, e.Name, e.HostName));
        }
        var net = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.NetStartAsync(Missing));
        Assert.Equal("network", net.Kind);
        var pool = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.PoolDumpXmlAsync(Missing));
        Assert.Equal("pool", pool.Kind);
        output.WriteLine(pool.Message);
        foreach (var (name, args) in new (string, string[])[]
                 {
                     ("dumpxml-missing-domain", ["dumpxml", Missing]),
                     ("net-info-missing-network", ["net-info", Missing]),
                     ("pool-info-missing-pool", ["pool-info", Missing]),
                     ("secret-undefine-missing-secret", ["secret-undefine", SecretUuid.ToString()]),
                     ("destroy-not-running", ["destroy", RbdVm]),
                 })
        {
            if (name == "destroy-not-running")
                await virsh.DefineAsync(DomainXml.FromSpec(new DomainSpec { Name = RbdVm, Type = DomainType.Qemu, MemoryKiB = 65536, MaxVcpus = 1 }));
            Capture($"virsh-{version}-{name}.stderr", (await RawVirsh(root, args, null)).StderrText);
        }
        await virsh.UndefineAsync(RbdVm);

        // virsh gone from PATH → exit 127 → the package to install.
        var noVirsh = new ReplaceVirsh(virsh.Host);
        var missing = await Assert.ThrowsAsync<ToolMissingException>(() => new Virsh(noVirsh).ListAsync());
        Assert.Equal("libvirt-clients", missing.Package);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private async Task<(Virsh Virsh, IHost Root)> PrepareAsync(SshTransport transport) => await PrepareAsync(transport, out _);

    private Task<(Virsh Virsh, IHost Root)> PrepareAsync(SshTransport transport, out RecordingHost recorder)
    {
        var root = transport.Host(lab.Target(lab.H2));
        recorder = new RecordingHost(transport.Host(lab.Target(lab.H2, c => c.SshUser = "mvm")));
        var virsh = new Virsh(recorder);
        return Prepare();

        async Task<(Virsh, IHost)> Prepare()
        {
            var sw = Stopwatch.StartNew();
            await LibvirtLabSetup.EnsureAsync(root);
            output.WriteLine(LibvirtLabSetup.Report);
            await CleanAsync(virsh, root);
            output.WriteLine($"prepare (setup + clean): {sw.ElapsedMilliseconds} ms");
            return (virsh, root);
        }
    }

    /// <summary>Removes everything these tests create; each removal of something absent is a no-op, which the client must allow.</summary>
    private static async Task CleanAsync(Virsh virsh, IHost root)
    {
        foreach (var vm in new[] { Vm, RbdVm })
        {
            await Ignore(() => virsh.DestroyAsync(vm));
            await Ignore(() => virsh.UndefineAsync(vm));
        }
        await Ignore(() => virsh.NetDestroyAsync(Net));
        await Ignore(() => virsh.NetUndefineAsync(Net));
        await Ignore(() => virsh.PoolDestroyAsync(Pool));
        await Ignore(() => virsh.PoolUndefineAsync(Pool));
        await Ignore(() => virsh.SecretUndefineAsync(SecretUuid));
        await root.RunCheckedAsync(["ovs-vsctl", "--if-exists", "del-br", Bridge], T, default);
        await root.RunCheckedAsync(["rm", "-rf", Dir], T, default);

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

    private static async Task<string> Sh(IHost root, params string[] argv) => (await root.RunCheckedAsync(argv, T, default)).StdoutText;

    private static Task<CommandResult> RawVirsh(IHost root, string[] args, string? stdin) =>
        root.RunAsync(["env", "LC_ALL=C", "virsh", .. args], stdin is null ? null : Encoding.UTF8.GetBytes(stdin), T, default);

    /// <summary>Writes a real output as a unit-test fixture when MVM_VIRSH_CAPTURE names a directory.</summary>
    private void Capture(string name, string text)
    {
        if (Environment.GetEnvironmentVariable("MVM_VIRSH_CAPTURE") is not { Length: > 0 } dir) return;
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name), text);
        output.WriteLine($"captured {name}");
    }

    /// <summary>Passes commands on and keeps each argv and stdin, to check what the client really sent.</summary>
    private sealed class RecordingHost(IHost inner) : IHost
    {
        public List<(IReadOnlyList<string> Argv, byte[]? Stdin)> Calls { get; } = [];
        public string Name => inner.Name;

        public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
        {
            Calls.Add((argv.ToArray(), stdin));
            return inner.RunAsync(argv, stdin, timeout, ct);
        }
    }

    /// <summary>Runs the client's argv with a program name that does not exist, as on a host without libvirt-clients.</summary>
    private sealed class ReplaceVirsh(IHost inner) : IHost
    {
        public string Name => inner.Name;

        public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct) =>
            inner.RunAsync(argv.Select(a => a == "virsh" ? "virsh-not-installed" : a).ToArray(), stdin, timeout, ct);
    }
}
