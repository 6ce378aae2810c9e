using System.Xml.Linq;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The typed domain XML model over definitions captured from libvirt 9.0 on a lab host
/// (Fixtures/Virsh): what it reads, that writing back loses nothing, that edits touch only the
/// managed parts, and what it builds from a spec (which the lab test proves libvirt accepts).
/// </summary>
public class DomainXmlTests
{
    private const string Running = "virsh-9.0.0-dumpxml-running.xml";
    private const string InactiveUefi = "virsh-9.0.0-dumpxml-inactive-uefi.xml";
    private const string InactiveRbd = "virsh-9.0.0-dumpxml-inactive-rbd.xml";

    private static string Fixture(string name) => VirshTestHost.Fixture(name);

    // What libvirt printed, as a tree (whitespace between elements is not content).
    private static XElement Original(string name) => XElement.Parse(Fixture(name));

    [Theory]
    [InlineData(Running)]
    [InlineData(InactiveUefi)]
    [InlineData(InactiveRbd)]
    public void WritesBackEverythingLibvirtPrinted(string fixture)
    {
        var domain = DomainXml.Parse(Fixture(fixture));
        var written = domain.ToXml();
        Assert.True(XNode.DeepEquals(Original(fixture), XElement.Parse(written)), written);
        // And again: the output is itself stable input.
        Assert.Equal(written, DomainXml.Parse(written).ToXml());
    }

    [Fact]
    public void ReadsTheRunningUefiDomain()
    {
        var d = DomainXml.Parse(Fixture(Running));
        Assert.Equal("mvmtest-vm1", d.Name);
        Assert.Equal(Guid.Parse("03b3b37b-b18b-4860-a943-50cf64f2a32f"), d.Uuid);
        Assert.Equal(DomainType.Qemu, d.Type);
        Assert.Equal(9, d.Id);
        Assert.Equal(393216, d.MemoryKiB);
        // Live XML shows the balloon's actual size: with no guest driver it never left the maximum.
        Assert.Equal(393216, d.CurrentMemoryKiB);
        Assert.Equal((4, 1, "static"), (d.MaxVcpus, d.Vcpus, d.VcpuPlacement));
        Assert.Equal(CpuSpec.Named("qemu64"), d.Cpu);
        Assert.Equal(("hvm", "x86_64", "pc-q35-7.2"), (d.OsType, d.Arch, d.Machine));
        Assert.Equal(Firmware.Uefi, d.Firmware);
        Assert.False(d.SecureBoot);
        Assert.Equal("/usr/share/OVMF/OVMF_CODE_4M.fd", d.LoaderPath);
        Assert.Equal("/var/lib/libvirt/qemu/nvram/mvmtest-vm1_VARS.fd", d.NvramPath);
        Assert.Equal("/usr/share/OVMF/OVMF_VARS_4M.fd", d.NvramTemplate);
        Assert.Equal(["hd"], d.BootDevices);
        Assert.Equal(["acpi", "apic"], d.Features);
        Assert.Equal("urn:pulumi:test::vm1", d.Metadata["resource"]);

        Assert.Equal(2, d.Disks.Count);
        var boot = d.FindDisk("vda")!;
        Assert.Equal(("file", DiskDevice.Disk, "virtio", "qcow2", "boot", true), (boot.Type, boot.Device, boot.Bus, boot.Format, boot.Serial, boot.Discard));
        Assert.Equal("/var/lib/mvm-virsh-test/boot.qcow2", boot.SourcePath);
        Assert.Equal("virtio-disk0", boot.Alias);
        var seed = d.FindDisk("sda")!;
        Assert.Equal((DiskDevice.Cdrom, "sata", true), (seed.Device, seed.Bus, seed.ReadOnly));

        var (ovs, onNetwork) = (d.Interfaces[0], d.Interfaces[1]);
        Assert.Equal(("bridge", "52:54:00:6d:00:01", "mvmtest-br0", "openvswitch", "virtio"), (ovs.Type, ovs.Mac, ovs.Bridge, ovs.VirtualPortType, ovs.Model));
        Assert.Equal([100], ovs.VlanTags);
        Assert.NotNull(ovs.OvsInterfaceId);
        Assert.StartsWith("vnet", ovs.TargetDev);
        Assert.False(ovs.IsActualNetworkPort);
        // A NIC declared on a network shows up resolved: type bridge, the port group's VLAN, the network still named.
        Assert.True(onNetwork.IsActualNetworkPort);
        Assert.Equal(("mvmtest-net", "vlan-200", "mvmtest-br0"), (onNetwork.Network, onNetwork.PortGroup, onNetwork.Bridge));
        Assert.Equal([200], onNetwork.VlanTags);

        Assert.Contains(d.CharDevices, c => c is { Kind: "console", Type: "pty", TargetType: "serial", Port: 0 });
        Assert.Contains(d.CharDevices, c => c.Kind == "serial" && c.PtyPath!.StartsWith("/dev/pts/", StringComparison.Ordinal));
        // Devices the model does not type are still there, and listed.
        Assert.Contains("controller", d.OtherDevices);
        Assert.Contains("channel", d.OtherDevices);
        Assert.Contains("memballoon", d.OtherDevices);
    }

    [Fact]
    public void ReadsRbdDisksWithCephxAuthAndMonitors()
    {
        var d = DomainXml.Parse(Fixture(InactiveRbd));
        Assert.Null(d.Id);
        Assert.Equal(new CpuSpec(CpuMode.Maximum), d.Cpu);
        Assert.Equal(Firmware.Bios, d.Firmware);
        Assert.Null(d.NvramPath);
        var vda = d.Disks[0];
        Assert.Equal(("network", "rbd", "vms/mvmtest-rbd-boot", "vms", "mvmtest-rbd-boot"), (vda.Type, vda.Protocol, vda.SourceName, vda.RbdPool, vda.RbdImage));
        Assert.Equal([new CephMonitor("10.20.1.11", 6789), new CephMonitor("10.20.1.13")], vda.Hosts);
        Assert.Equal(new CephAuth("libvirt", Guid.Parse("6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11")), vda.Auth);
        Assert.Equal(("raw", "writeback", true), (vda.Format, vda.Cache, vda.Discard));
        var seed = d.Disks[1];
        Assert.Equal((DiskDevice.Cdrom, "vms", "mvmtest-rbd-seed"), (seed.Device, seed.RbdPool, seed.RbdImage));
        Assert.Empty(seed.Hosts);
    }

    [Fact]
    public void ToSpecGivesBackWhatTheProviderDeclared()
    {
        // The spec the lab test defined; libvirt's read-back must map to it again.
        var d = DomainXml.Parse(Fixture(InactiveUefi));
        var s = d.ToSpec();
        Assert.Equal(("mvmtest-vm1", DomainType.Qemu, 393216L, 262144L, 4, 1), (s.Name, s.Type, s.MemoryKiB, s.CurrentMemoryKiB, s.MaxVcpus, s.Vcpus));
        Assert.Equal((Firmware.Uefi, false, true, true, true, true, true), (s.Firmware, s.SecureBoot, s.SerialConsole, s.MemoryBalloon, s.GuestAgent, s.Rng, s.ScsiController));
        Assert.Equal(
        [
            new DiskSpec { Source = new FileDiskSource("/var/lib/mvm-virsh-test/boot.qcow2"), TargetDev = "vda", Serial = "boot", Discard = true },
            // The fixture was captured when the seed still defaulted to SATA.
            DiskSpec.CdromSeed(new FileDiskSource("/var/lib/mvm-virsh-test/seed.iso", "raw"), bus: DiskBus.Sata),
        ], s.Disks);
        Assert.Equal(
        [
            InterfaceSpec.OvsBridge("mvmtest-br0", 100, "52:54:00:6d:00:01"),
            InterfaceSpec.OnNetwork("mvmtest-net", "vlan-200", "52:54:00:6d:00:02"),
        ], s.Interfaces);
        // Live XML: the network NIC reads back as declared, not as the bridge port it resolved to.
        Assert.Equal(s.Interfaces, DomainXml.Parse(Fixture(Running)).ToSpec().Interfaces);
    }

    [Fact]
    public void ManagedEditsChangeOnlyTheirElements()
    {
        var original = DomainXml.Parse(Fixture(InactiveUefi));
        var d = original.Clone();
        d.MemoryKiB = 1048576;
        d.CurrentMemoryKiB = 524288;
        d.MaxVcpus = 8;
        d.Vcpus = 3;
        d.Description = "edited";
        d.SetMetadata("stage", "2");
        d.SetMetadata("resource", null);
        d.AddDisk(new DiskSpec { Source = new FileDiskSource("/data/d1.qcow2"), TargetDev = "sdb", Bus = DiskBus.Scsi });
        Assert.True(d.RemoveInterface("52:54:00:6D:00:02")); // MACs compare case-insensitively
        d.AddInterface(InterfaceSpec.OvsBridge("br-vm", 300, "52:54:00:00:00:09"));

        Assert.Equal((1048576L, 524288L, 8, 3), (d.MemoryKiB, d.CurrentMemoryKiB, d.MaxVcpus, d.Vcpus));
        Assert.Equal("<vcpu placement=\"static\" current=\"3\">8</vcpu>", d.Root.Element("vcpu")!.ToString());
        Assert.Equal(["vda", "sda", "sdb"], d.Disks.Select(x => x.TargetDev));
        Assert.Equal(["52:54:00:6d:00:01", "52:54:00:00:00:09"], d.Interfaces.Select(i => i.Mac));
        Assert.Equal(new Dictionary<string, string> { ["stage"] = "2" }, d.Metadata);

        // Undo the managed parts by hand: what remains is exactly what libvirt printed.
        var expected = Original(InactiveUefi);
        var actual = new XElement(d.Root);
        foreach (var e in new[] { expected, actual })
        {
            foreach (var name in new[] { "memory", "currentMemory", "vcpu", "description", "metadata" }) e.Element(name)?.Remove();
            e.Element("devices")!.Elements().Where(x => x.Name.LocalName is "disk" or "interface").Remove();
        }
        Assert.True(XNode.DeepEquals(expected, actual), actual.ToString());
        // The new disk went after the last disk, the new NIC after the remaining one.
        var devices = d.Root.Element("devices")!.Elements().Select(e => e.Name.LocalName).ToList();
        Assert.Equal(devices.LastIndexOf("disk"), devices.IndexOf("disk") + 2);
    }

    [Fact]
    public void SetCpuKeepsTheElementWhenUnchangedAndReplacesItOtherwise()
    {
        var d = DomainXml.Parse(Fixture(Running));
        var before = d.Root.Element("cpu")!.ToString();
        d.SetCpu(CpuSpec.Named("qemu64"));
        Assert.Equal(before, d.Root.Element("cpu")!.ToString()); // libvirt's expanded features kept
        d.SetCpu(CpuSpec.HostPassthrough);
        Assert.Equal("<cpu mode=\"host-passthrough\" />", d.Root.Element("cpu")!.ToString());
        // Still after <features>, where libvirt keeps it.
        Assert.Equal("features", ((XElement)d.Root.Element("cpu")!.PreviousNode!).Name.LocalName);
        d.SetCpu(null);
        Assert.Null(d.Cpu);
    }

    [Fact]
    public void EditsAreCheckedAgainstTheDomain()
    {
        var d = DomainXml.Parse(Fixture(InactiveUefi));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Vcpus = 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.CurrentMemoryKiB = d.MemoryKiB + 1);
        Assert.Throws<ArgumentException>(() => d.AddDisk(new DiskSpec { Source = new FileDiskSource("/x.qcow2"), TargetDev = "vda" }));
        Assert.Throws<ArgumentException>(() => d.AddInterface(InterfaceSpec.OvsBridge("br", mac: "52:54:00:6d:00:01")));
        Assert.Throws<ArgumentException>(() => d.Name = "a/b");
        // Shrinking the maximum below the current count takes the current count down with it.
        d.MaxVcpus = 1;
        Assert.Equal((1, 1), (d.MaxVcpus, d.Vcpus));
        Assert.False(d.RemoveDisk("vdz"));
    }

    [Fact]
    public void ReadsSizesInAnyUnitAndWritesKiB()
    {
        var d = DomainXml.Parse("<domain type='kvm'><name>u</name><memory unit='GiB'>2</memory><currentMemory unit='MB'>1000</currentMemory>" +
            "<vcpu>2</vcpu><os><type>hvm</type></os><devices/></domain>");
        Assert.Equal(2097152, d.MemoryKiB);
        Assert.Equal(976563, d.CurrentMemoryKiB); // 10^9 bytes, rounded up to whole KiB
        Assert.Equal(2, d.Vcpus); // no `current`: all of them
        d.MemoryKiB = 3145728;
        Assert.Equal("<memory unit=\"KiB\">3145728</memory>", d.Root.Element("memory")!.ToString());
        var noCurrent = DomainXml.Parse("<domain type='kvm'><name>u</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>");
        Assert.Equal(1024, noCurrent.CurrentMemoryKiB);
        Assert.Throws<FormatException>(() => DomainXml.Parse("<domain type='xen'><name>x</name></domain>").Type);
    }

    [Fact]
    public void RejectsWhatIsNotDomainXml()
    {
        Assert.Throws<FormatException>(() => DomainXml.Parse("<network><name>n</name></network>"));
        Assert.Throws<FormatException>(() => DomainXml.Parse("<domain"));
        // No DTDs: nothing in a domain needs one, and entity expansion is a way to attack a parser.
        Assert.Throws<FormatException>(() => DomainXml.Parse("<!DOCTYPE d [<!ENTITY e \"x\">]><domain type='kvm'><name>&e;</name></domain>"));
    }

    [Fact]
    public void UnitConversions()
    {
        Assert.Equal(524288, LibvirtUnits.ToKiB("512", "MiB"));
        Assert.Equal(524288, LibvirtUnits.ToKiB("512", "M"));
        Assert.Equal(1048576, LibvirtUnits.ToKiB("1", "G"));
        Assert.Equal(1, LibvirtUnits.ToKiB("1", "b")); // rounded up
        Assert.Equal(1, LibvirtUnits.ToKiB("1000", "bytes"));
        Assert.Equal(1024, LibvirtUnits.ToKiB("1024", null)); // memory's default unit is KiB
        Assert.Equal(1000L * 1000 * 1000 * 1000, LibvirtUnits.ToBytes("1", "TB"));
        Assert.Throws<FormatException>(() => LibvirtUnits.ToKiB("1", "parsecs"));
        Assert.Throws<FormatException>(() => LibvirtUnits.ToKiB("-1", "KiB"));
    }
}
