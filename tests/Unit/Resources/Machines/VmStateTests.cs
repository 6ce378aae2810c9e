

using Mvm.Cluster;
using Mvm.Resources.Shared;
using Mvm.Resources.VirtualMachine;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// What refresh and import write into a VM's state from its domain, read from domains captured in the
/// lab: one the provider made (vma: 1 of 2 vCPUs, 384 of 512 MiB, boot disk cloned from an image, a
/// seed CD-ROM, NIC "lan" on VLAN 22; dumped 3 s after start, before the guest's balloon driver
/// loaded) and one made by hand with virsh.
/// </summary>
public sealed class VmStateTests
{
    private static DomainXml Fixture(string name) =>
        DomainXml.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Virsh", name)));

    private static readonly DomainXml Live = Fixture("virsh-9.0.0-dumpxml-provider-vm-live.xml");
    private static readonly DomainXml Defined = Fixture("virsh-9.0.0-dumpxml-provider-vm-inactive.xml");
    private static readonly VmNetworks Networks = new(new Dictionary<string, (int, string)>
    {
        ["mvm-vlan22"] = (22, "web"),
        ["mvm-vlan1"] = (1, "vlan1"),
    });
    private static readonly Dictionary<string, long> Sizes = new() { ["vms/vma-boot"] = 3L << 30 };

    private static FoundVm Found(DomainXml xml, DomainXml config) =>
        new(new ClusterMember { Host = new MemberHost { Name = "h5", Address = "10.20.0.15" } }, null!, xml, config);

    private static VirtualMachineState Refresh(DomainXml xml, DomainXml config, VirtualMachineState? s = null)
    {
        s ??= new VirtualMachineState();
        VmState.Fill(s, Found(xml, config), Sizes, Networks, "vms");
        return s;
    }

    [Fact]
    public void MemoryIsTheDefinitionsWhileTheBalloonHasNotCaughtUp()
    {
        // Live, the balloon still shows the maximum (512 MiB) right after start; the VM was given 384.
        Assert.Equal(512 * 1024, Live.CurrentMemoryKiB);
        var s = Refresh(Live, Defined);
        Assert.Equal((384, 512, 1, 2), (s.MemoryMiB, s.MaxMemoryMiB, s.Vcpus, s.MaxVcpus));
        Assert.Equal(("running", PowerState.Running, "h5"), (s.State, s.PowerState, s.CurrentHost));
        Assert.Equal("211b331b-644a-4fed-ac2d-190100b334c4", s.Uuid);
        Assert.Equal(Placement.Auto, s.Placement);
    }

    [Fact]
    public void DisksAreTheVmsRbdImagesByTheirShortNamesAndTheSeedIsNotOne()
    {
        var s = Refresh(Live, Defined);
        var disk = Assert.Single(s.Disks!);
        Assert.Equal(("boot", 3, (string?)null, DiskBus.Virtio), (disk!.Name, disk.SizeGiB, disk.Pool, disk.Bus));
        var attached = Assert.Single(s.AttachedDisks!);
        Assert.Equal(("vms/vma-boot", "vda", 3), (attached.RbdImage, attached.Target, attached.SizeGiB));
    }

    [Fact]
    public void NicsAreNamedByTheMetadataAndTheVlanKeepsTheFormTheProgramUsed()
    {
        var declared = new VirtualMachineState { NetworkInterfaces = [new VmNetworkInterface { Name = "lan", Vlan = "22" }] };
        var nic = Assert.Single(Refresh(Live, Defined, declared).NetworkInterfaces!);
        Assert.Equal(("lan", "22", (string?)null, NicModel.Virtio), (nic!.Name, nic.Vlan, nic.Mac, nic.Model));

        // An import (nothing declared) names the VLAN by its port group, and a MAC only the host chose stays out of the inputs.
        var imported = Refresh(Live, Defined);
        Assert.Equal("web", imported.NetworkInterfaces!.Single()!.Vlan);
        Assert.Null(imported.NetworkInterfaces!.Single()!.Mac);
        var state = Assert.Single(imported.AttachedNetworkInterfaces!);
        Assert.Equal(("mvm-vlan22", 22, "52:54:00:5d:ea:d5"), (state.Vlan, state.VlanId, state.Mac));
    }

    [Fact]
    public void ADeclaredMacIsKeptAndAHandSetVcpuCountIsDrift()
    {
        var declared = new VirtualMachineState
        {
            Vcpus = 2,
            MaxVcpus = 2,
            NetworkInterfaces = [new VmNetworkInterface { Name = "lan", Vlan = "web", Mac = "52:54:00:5d:ea:d5" }],
        };
        var s = Refresh(Live, Defined, declared);
        Assert.Equal(1, s.Vcpus); // the domain's, so the program's 2 shows as a change to make
        Assert.Equal("52:54:00:5d:ea:d5", s.NetworkInterfaces!.Single()!.Mac);
        Assert.Equal("web", s.NetworkInterfaces!.Single()!.Vlan);
    }

    [Fact]
    public void AShutOffDomainIsStoppedWithItsDefinitionsValues()
    {
        var s = Refresh(Defined, Defined);
        Assert.Equal(("shut off", PowerState.Stopped, 384), (s.State, s.PowerState, s.MemoryMiB));
    }

    [Fact]
    public void AnImportWithoutHeadroomLeavesTheMaximumsOut()
    {
        // The hand-made domain: 2 of 8 vCPUs, 1 GiB of 1 GiB, no provider metadata.
        var hand = Fixture("virsh-9.0.0-dumpxml-inactive-rbd.xml");
        var s = Refresh(hand, hand);
        Assert.Equal((2, 8, 1024, (int?)null), (s.Vcpus, s.MaxVcpus, s.MemoryMiB, s.MaxMemoryMiB));
        Assert.Equal(RestartPolicy.Reboot, s.RestartPolicy);
        Assert.All(s.NetworkInterfaces ?? [], n => Assert.StartsWith("nic", n!.Name));
    }
}
