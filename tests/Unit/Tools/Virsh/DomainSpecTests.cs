using System.Xml.Linq;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// Domain XML built from a spec. The shapes here are the ones VirshLabTests defines on a real
/// libvirt 9.0 (which validates them against its schema with --validate).
/// </summary>
public class DomainSpecTests
{
    private static readonly Guid Secret = Guid.Parse("6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11");

    private static DomainSpec Small() => new()
    {
        Name = "vm1",
        Uuid = Guid.Parse("0a4e1e3c-5b7f-4f6a-9c2d-1e2f3a4b5c6d"),
        MemoryKiB = 1048576,
        CurrentMemoryKiB = 524288,
        MaxVcpus = 4,
        Vcpus = 2,
        Cpu = CpuSpec.Named("EPYC"),
        Disks = [new DiskSpec { Source = new RbdDiskSource("vms", "vm1-boot", [new CephMonitor("10.0.1.1", 6789)], new CephAuth("libvirt", Secret)), TargetDev = "vda" }],
        Interfaces = [InterfaceSpec.OvsBridge("br-vm", 100, "52:54:00:AA:00:01")],
        HotplugSlots = 1,
        ScsiController = false,
        GuestAgent = false,
        Rng = false,
        Metadata = new Dictionary<string, string> { ["resource"] = "urn:x" },
    };

    [Fact]
    public void BuildsTheWholeDomain()
    {
        const string Expected = """
            <domain type="kvm">
              <name>vm1</name>
              <uuid>0a4e1e3c-5b7f-4f6a-9c2d-1e2f3a4b5c6d</uuid>
              <metadata>
                <mvm:domain xmlns:mvm="https://github.com/pulumi-resource-mvm/xmlns/domain/1">
                  <mvm:item name="resource">urn:x</mvm:item>
                </mvm:domain>
              </metadata>
              <memory unit="KiB">1048576</memory>
              <currentMemory unit="KiB">524288</currentMemory>
              <vcpu placement="static" current="2">4</vcpu>
              <os>
                <type arch="x86_64" machine="q35">hvm</type>
                <boot dev="hd" />
              </os>
              <features>
                <acpi />
                <apic />
              </features>
              <cpu mode="custom" match="exact">
                <model fallback="forbid">EPYC</model>
              </cpu>
              <clock offset="utc" />
              <devices>
                <disk type="network" device="disk">
                  <driver name="qemu" type="raw" />
                  <source protocol="rbd" name="vms/vm1-boot">
                    <host name="10.0.1.1" port="6789" />
                    <auth username="libvirt">
                      <secret type="ceph" uuid="6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11" />
                    </auth>
                  </source>
                  <target dev="vda" bus="virtio" />
                </disk>
                <controller type="usb" model="none" />
                <controller type="pci" index="0" model="pcie-root" />
                <controller type="pci" model="pcie-root-port" />
                <controller type="pci" model="pcie-root-port" />
                <controller type="pci" model="pcie-root-port" />
                <controller type="pci" model="pcie-root-port" />
                <interface type="bridge">
                  <mac address="52:54:00:aa:00:01" />
                  <source bridge="br-vm" />
                  <vlan>
                    <tag id="100" />
                  </vlan>
                  <virtualport type="openvswitch" />
                  <model type="virtio" />
                </interface>
                <serial type="pty">
                  <target port="0" />
                </serial>
                <console type="pty">
                  <target type="serial" port="0" />
                </console>
                <memballoon model="virtio" />
              </devices>
            </domain>
            """;
        // 4 root ports: disk + NIC + balloon, plus the one spare asked for.
        Assert.Equal(Expected, DomainXml.FromSpec(Small()).ToXml());
    }

    [Fact]
    public void ReservesRootPortsForHotplugOnlyOnQ35()
    {
        static int Ports(DomainSpec s) => DomainXml.FromSpec(s).Root.Element("devices")!.Elements("controller")
            .Count(c => (string?)c.Attribute("model") == "pcie-root-port");
        // Defaults: disk, NIC, virtio-scsi, balloon, agent channel, RNG = 6 devices, + 8 spares.
        Assert.Equal(14, Ports(Small() with { HotplugSlots = 8, ScsiController = true, GuestAgent = true, Rng = true }));
        Assert.Equal(0, Ports(Small() with { Machine = "pc" }));
        Assert.Equal(3, Ports(Small() with { HotplugSlots = 0 }));
    }

    [Fact]
    public void UefiUsesLibvirtsFirmwareSelection()
    {
        var os = DomainXml.FromSpec(Small() with { Firmware = Firmware.Uefi }).Root.Element("os")!;
        Assert.Equal("efi", (string?)os.Attribute("firmware"));
        Assert.Equal(["no", "no"], os.Element("firmware")!.Elements("feature").Select(f => (string?)f.Attribute("enabled")));
        Assert.Null(os.Element("loader")); // no distribution paths in the provider
        var secure = DomainXml.FromSpec(Small() with { Firmware = Firmware.Uefi, SecureBoot = true });
        Assert.True(secure.SecureBoot);
        Assert.Contains("smm", secure.Features);
        Assert.Throws<ArgumentException>(() => DomainXml.FromSpec(Small() with { SecureBoot = true }));
    }

    [Fact]
    public void OptionalDevicesAndFileDisks()
    {
        var d = DomainXml.FromSpec(Small() with
        {
            MemoryBalloon = false,
            SerialConsole = false,
            GuestAgent = true,
            Rng = true,
            Disks =
            [
                new DiskSpec { Source = new FileDiskSource("/var/lib/x.qcow2"), TargetDev = "sdb", Bus = DiskBus.Scsi, Cache = "none", ReadOnly = true, Serial = "d-1" },
                DiskSpec.CdromSeed(new FileDiskSource("/var/lib/seed.iso", "raw")),
            ],
            Interfaces = [InterfaceSpec.OnNetwork("ovs-net", "vlan-7", "52:54:00:00:00:07")],
        });
        var devices = d.Root.Element("devices")!;
        Assert.Equal("none", (string?)devices.Element("memballoon")!.Attribute("model"));
        Assert.Empty(devices.Elements("console"));
        Assert.Equal(DomainXmlBuilderAgent, (string?)devices.Element("channel")!.Element("target")!.Attribute("name"));
        Assert.Equal("/dev/urandom", devices.Element("rng")!.Element("backend")!.Value);
        // A SCSI disk brings its virtio-scsi controller even when not asked for.
        Assert.Contains(devices.Elements("controller"), c => (string?)c.Attribute("model") == "virtio-scsi");
        Assert.Equal(
            "<disk type=\"file\" device=\"disk\"><driver name=\"qemu\" type=\"qcow2\" cache=\"none\" /><source file=\"/var/lib/x.qcow2\" />" +
            "<target dev=\"sdb\" bus=\"scsi\" /><readonly /><serial>d-1</serial></disk>",
            d.Disks[0].Element.ToString(SaveOptions.DisableFormatting));
        Assert.Equal(
            "<interface type=\"network\"><mac address=\"52:54:00:00:00:07\" /><source network=\"ovs-net\" portgroup=\"vlan-7\" /><model type=\"virtio\" /></interface>",
            d.Interfaces[0].Element.ToString(SaveOptions.DisableFormatting));
        Assert.Equal((DiskDevice.Cdrom, "scsi", true), (d.Disks[1].Device, d.Disks[1].Bus, d.Disks[1].ReadOnly));
        Assert.Equal(Small().Metadata, d.ToSpec().Metadata);
    }

    private const string DomainXmlBuilderAgent = "org.qemu.guest_agent.0";

    [Theory]
    [InlineData("name", "a/b", "may not contain '/'")]
    [InlineData("name", "-x", "start with '-'")]
    [InlineData("memory", "0", "memory must be positive")]
    [InlineData("current", "2000000", "must be between 1 and the maximum")]
    [InlineData("vcpus", "5", "outside 1..4")]
    [InlineData("cpu", "", "custom CPU needs a model")]
    [InlineData("boot", "usb", "boot device 'usb'")]
    [InlineData("target", "hda", "should start with 'vd'")]
    [InlineData("target", "vd a", "must be a device name")]
    [InlineData("serial", "this-serial-is-longer-than-twenty", "at most 20")]
    [InlineData("path", "relative.qcow2", "must be absolute")]
    [InlineData("format", "vmdk", "must be qcow2 or raw")]
    [InlineData("vlan", "4095", "outside 1..4094")]
    [InlineData("mac", "52:54:00:zz:00:01", "is not a MAC address")]
    [InlineData("mac", "01:00:5e:00:00:01", "multicast")]
    [InlineData("dupdisk", "", "two disks use target vda")]
    [InlineData("dupmac", "", "two interfaces use MAC")]
    [InlineData("linuxvlan", "", "needs Open vSwitch")]
    [InlineData("cdromvirtio", "", "cannot be on virtio")]
    public void ValidationNamesTheProblem(string what, string value, string message)
    {
        var s = Small();
        var disk = s.Disks[0];
        var nic = s.Interfaces[0];
        s = what switch
        {
            "name" => s with { Name = value },
            "memory" => s with { MemoryKiB = long.Parse(value) },
            "current" => s with { CurrentMemoryKiB = long.Parse(value) },
            "vcpus" => s with { Vcpus = int.Parse(value) },
            "cpu" => s with { Cpu = new CpuSpec(CpuMode.Custom, value) },
            "boot" => s with { BootDevices = [value] },
            "target" => s with { Disks = [disk with { TargetDev = value }] },
            "serial" => s with { Disks = [disk with { Serial = value }] },
            "path" => s with { Disks = [disk with { Source = new FileDiskSource(value) }] },
            "format" => s with { Disks = [disk with { Source = new FileDiskSource("/x", value) }] },
            "vlan" => s with { Interfaces = [nic with { VlanTag = int.Parse(value) }] },
            "mac" => s with { Interfaces = [nic with { Mac = value }] },
            "dupdisk" => s with { Disks = [disk, disk with { Serial = "other" }] },
            "dupmac" => s with { Interfaces = [nic, nic with { VlanTag = 5 }] },
            "linuxvlan" => s with { Interfaces = [nic with { OpenVSwitch = false }] },
            "cdromvirtio" => s with { Disks = [disk with { Device = DiskDevice.Cdrom }] },
            _ => throw new ArgumentException(what),
        };
        var e = Assert.Throws<ArgumentException>(() => DomainXml.FromSpec(s));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void NetworkPoolAndSecretXml()
    {
        var net = NetworkXml.FromSpec(new OvsNetworkSpec("ovs-net", "br-vm", [new("vlan-100", 100, true), new("untagged")]));
        Assert.Equal(
            "<network><name>ovs-net</name><forward mode=\"bridge\" /><bridge name=\"br-vm\" /><virtualport type=\"openvswitch\" />" +
            "<portgroup name=\"vlan-100\" default=\"yes\"><vlan><tag id=\"100\" /></vlan></portgroup><portgroup name=\"untagged\" /></network>",
            net.Root.ToString(SaveOptions.DisableFormatting));
        Assert.Throws<ArgumentException>(() => NetworkXml.FromSpec(new OvsNetworkSpec("n", "a-bridge-name-too-long", [])));
        Assert.Throws<ArgumentException>(() => NetworkXml.FromSpec(new OvsNetworkSpec("n", "br", [new("a", 1), new("a", 2)])));

        var pool = PoolXml.FromSpec(new RbdPoolSpec("rbd-vms", "vms", [new CephMonitor("10.0.1.1", 6789)], new CephAuth("libvirt", Secret)));
        // A pool's <auth> carries the type itself (unlike a disk's): libvirt's schema rejects the other form.
        Assert.Equal(
            "<pool type=\"rbd\"><name>rbd-vms</name><source><name>vms</name><host name=\"10.0.1.1\" port=\"6789\" />" +
            "<auth type=\"ceph\" username=\"libvirt\"><secret uuid=\"6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11\" /></auth></source></pool>",
            pool.Root.ToString(SaveOptions.DisableFormatting));

        var secret = SecretXml.FromSpec(new SecretSpec(Secret, "client.libvirt secret"));
        Assert.Equal(
            "<secret ephemeral=\"no\" private=\"yes\"><uuid>6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11</uuid>" +
            "<usage type=\"ceph\"><name>client.libvirt secret</name></usage></secret>",
            secret.Root.ToString(SaveOptions.DisableFormatting));
        Assert.Equal((Secret, "ceph", "client.libvirt secret", true, false), (secret.Uuid, secret.UsageType, secret.UsageName, secret.Private, secret.Ephemeral));
    }

    [Fact]
    public void ReadsNetworkAndPoolDefinitionsFromLibvirt()
    {
        var net = NetworkXml.Parse(VirshTestHost.Fixture("virsh-9.0.0-net-dumpxml.xml"));
        Assert.Equal(("mvmtest-net", "bridge", "mvmtest-br0", "openvswitch"), (net.Name, net.ForwardMode, net.Bridge, net.VirtualPortType));
        Assert.NotNull(net.Uuid);
        Assert.Equal([new PortGroupSpec("vlan-100", 100, true), new PortGroupSpec("vlan-200", 200)], net.PortGroups);

        var pool = PoolXml.Parse(VirshTestHost.Fixture("virsh-9.0.0-pool-dumpxml-rbd.xml"));
        Assert.Equal(("rbd", "mvmtest-rbd-pool", "vms"), (pool.Type, pool.Name, pool.SourceName));
        Assert.Equal([new CephMonitor("10.20.1.11", 6789), new CephMonitor("10.20.1.12")], pool.Hosts);
        Assert.Equal(new CephAuth("libvirt", Guid.Parse("6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c12")), pool.Auth);
        Assert.True(XNode.DeepEquals(XElement.Parse(VirshTestHost.Fixture("virsh-9.0.0-pool-dumpxml-rbd.xml")), XElement.Parse(pool.ToXml())));
    }
}
