using Mvm.Cluster;
using Mvm.Resources.VirtualMachine;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>How a VM's parts are named and slotted, and the domain its inputs become.</summary>
public sealed class VmLayoutTests
{
    private static VmDisk Disk(string name, int gib = 1, Mvm.Tools.DiskBus? bus = null, string? pool = null) => new() { Name = name, SizeGiB = gib, Bus = bus, Pool = pool };

    [Fact]
    public void DevicesFollowTheBusAndSkipTheSeedSlot()
    {
        var layout = VmLayout.Disks([Disk("boot", 10), Disk("scratch", bus: Mvm.Tools.DiskBus.Scsi), Disk("logs", pool: "fast"), Disk("old", bus: Mvm.Tools.DiskBus.Sata)], "web1", "vms",
            new Dictionary<string, string>());
        Assert.Equal(["vda", "sdb", "vdb", "sdc"], layout.Select(d => d.TargetDev));
        Assert.Equal(["vms/web1-boot", "vms/web1-scratch", "fast/web1-logs", "vms/web1-old"], layout.Select(d => d.Image.ToString()));
    }

    [Fact]
    public void AttachedDisksKeepTheirDevicesAndNewOnesTakeTheFirstFree()
    {
        // data was vdc; the disk that had vdb was removed: a new disk must not take over data's slot.
        var layout = VmLayout.Disks([Disk("boot"), Disk("data"), Disk("new")], "web1", "vms",
            new Dictionary<string, string> { ["boot"] = "vda", ["data"] = "vdc" });
        Assert.Equal(["vda", "vdc", "vdb"], layout.Select(d => d.TargetDev));
    }

    [Fact]
    public void GeneratedMacsAreUnicastInQemusRangeAndDiffer()
    {
        var macs = Enumerable.Range(0, 50).Select(_ => VmLayout.NewMac()).ToList();
        Assert.All(macs, m => Assert.Matches("^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$", m));
        Assert.True(macs.Distinct().Count() > 45);
    }

    [Fact]
    public void TcgGetsTheMaximumCpuAndKvmTheModelAsked()
    {
        Assert.Equal(CpuMode.Maximum, VmLayout.Cpu(null, new ClusterInfo { DomainType = "qemu", CpuModel = "host-model" }).Mode);
        Assert.Equal(CpuMode.HostModel, VmLayout.Cpu(null, new ClusterInfo { DomainType = "kvm", CpuModel = "host-model" }).Mode);
        Assert.Equal(new CpuSpec(CpuMode.Custom, "EPYC-Rome"), VmLayout.Cpu("EPYC-Rome", new ClusterInfo { DomainType = "kvm" }));
    }

    [Fact]
    public void TheDomainCarriesRbdDisksTheSeedNicsHeadroomAndMetadata()
    {
        var info = new ClusterInfo { Name = "lab", DomainType = "qemu", LibvirtSecretUuid = "b9111821-786f-4684-9de6-809d1cb47686", VmPool = "vms" };
        var args = new VirtualMachineArgs { Name = "web1", Vcpus = 2, MaxVcpus = 4, MemoryMiB = 512, MaxMemoryMiB = 1024, Placement = Placement.Pinned, Host = "h2" };
        var disks = VmLayout.Disks([Disk("boot", 10)], "web1", "vms", new Dictionary<string, string>());
        var nics = new[] { new VmNicLayout("lan", "mvm-vlan22", "52:54:00:aa:bb:cc", "virtio") };
        var uuid = Guid.NewGuid();
        var xml = DomainXml.Parse(DomainXml.FromSpec(VmSpec.Build(args, info, uuid, "h2", disks, nics, new RbdImageRef("vms", "web1-seed-12345678"), Urn)).ToXml());

        Assert.Equal(uuid, xml.Uuid);
        Assert.Equal(Mvm.Tools.DomainType.Qemu, xml.Type);
        Assert.Equal((4, 2), (xml.MaxVcpus, xml.Vcpus));
        Assert.Equal((1024 * 1024L, 512 * 1024L), (xml.MemoryKiB, xml.CurrentMemoryKiB));
        var boot = Assert.Single(xml.Disks, d => d.DeviceName == "disk");
        Assert.Equal(("rbd", "vms/web1-boot", "vda"), (boot.Protocol, boot.SourceName, boot.TargetDev));
        var seed = Assert.Single(xml.Disks, d => d.DeviceName == "cdrom");
        // Debian's cloud kernel has no AHCI driver: the seed must be on SCSI to be seen.
        Assert.Equal(("vms/web1-seed-12345678", "scsi", "sda"), (seed.SourceName, seed.Bus, seed.TargetDev));
        var nic = Assert.Single(xml.Interfaces);
        Assert.Equal(("mvm-vlan22", "52:54:00:aa:bb:cc"), (nic.Network, nic.Mac));
        Assert.Equal("pinned", xml.Metadata["placement"]);
        Assert.Equal("h2", xml.Metadata["host"]);
        Assert.Equal("lan", xml.Metadata["nic:52:54:00:aa:bb:cc"]);
        // Whose the domain is travels with it: a later create of the same resource adopts it, any other refuses it.
        Assert.Equal(Urn, xml.Metadata["owner"]);
        Assert.True(Ownership.IsMine(xml.Metadata, VmMetadata.Owner, Urn));
        Assert.False(Ownership.IsMine(xml.Metadata, VmMetadata.Owner, Urn.Replace("::web1", "::web2")));
    }

    private const string Urn = "urn:pulumi:dev::vmlab::mvm:index:VirtualMachine::web1";
}
