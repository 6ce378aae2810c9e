using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// What a VM's domain says, written into its state: the outputs, and the inputs the host is the
/// truth for (CPUs, memory, power state, disk sizes, NICs), so a change made by hand shows as
/// drift on refresh. Names come from the provider's metadata and image names; a domain made by
/// hand gets names from its device names.
/// </summary>
public static class VmState
{
    public static void Fill(VirtualMachineState s, FoundVm vm, IReadOnlyDictionary<string, long> imageSizes,
        VmNetworks networks, string defaultPool)
    {
        var x = vm.Xml;
        s.Uuid = x.Uuid?.ToString();
        s.Name = x.Name;
        s.CurrentHost = vm.Member.Name;
        var running = x.Id is not null;
        s.State = running ? "running" : "shut off";
        s.PowerState = running ? PowerState.Running : PowerState.Stopped;
        s.Vcpus = x.Vcpus;
        s.MemoryMiB = (int)LibvirtUnits.KiBToMiB(vm.Config.CurrentMemoryKiB);
        // No headroom is what leaving the maximums out means: keep them out then, so an import reproduces the program.
        s.MaxVcpus = s.MaxVcpus is null && vm.Config.MaxVcpus == s.Vcpus ? null : vm.Config.MaxVcpus;
        var maxMiB = (int)LibvirtUnits.KiBToMiB(vm.Config.MemoryKiB);
        s.MaxMemoryMiB = s.MaxMemoryMiB is null && maxMiB == s.MemoryMiB ? null : maxMiB;
        var placement = vm.Config.Metadata.GetValueOrDefault(VmMetadata.Placement)
            ?? x.Metadata.GetValueOrDefault(VmMetadata.Placement);
        s.Placement = placement switch
        {
            VmMetadata.Pinned => Placement.Pinned,
            "failover" => Placement.Failover,
            _ => Placement.Auto,
        };
        // Inputs the host does not hold: the program's, or their defaults for a domain being imported.
        s.RestartPolicy ??= RestartPolicy.Reboot;
        s.RetainDisks ??= false;

        var declaredDisks = (s.Disks ?? []).Where(d => d is not null)
            .ToDictionary(d => d!.Name!, d => d!, StringComparer.Ordinal);
        var disks = new List<VmDisk?>();
        var attached = new List<VmDiskState>();
        foreach (var d in x.Disks.Where(d => d.DeviceName == "disk"))
        {
            var (pool, image) = SplitRbd(d.SourceName);
            var name = image is not null && image.StartsWith(x.Name + "-",
                StringComparison.Ordinal) ? image[(x.Name.Length + 1)..] : d.TargetDev ?? "disk";
            var size = image is not null && imageSizes.TryGetValue($"{pool}/{image}",
                out var bytes) ? (int)(bytes >> 30) : (int?)null;
            var bus = d.Bus switch { "scsi" => DiskBus.Scsi, "sata" => DiskBus.Sata, _ => DiskBus.Virtio };
            declaredDisks.TryGetValue(name, out var declared);
            disks.Add(new VmDisk { Name = name, SizeGiB = size ?? declared?.SizeGiB,
                Pool = declared?.Pool ?? (pool == defaultPool ? null : pool), Bus = bus });
            attached.Add(new VmDiskState { Name = name, RbdImage = image is null ? d.SourcePath : $"{pool}/{image}",
                SizeGiB = size, Bus = bus, Target = d.TargetDev });
        }
        s.Disks = disks;
        s.AttachedDisks = attached;

        var declaredNics = (s.NetworkInterfaces ?? []).Where(n => n is not null)
            .ToDictionary(n => n!.Name!, n => n!, StringComparer.Ordinal);
        var nics = new List<VmNetworkInterface?>();
        var attachedNics = new List<VmNetworkInterfaceState>();
        var i = 0;
        foreach (var n in x.Interfaces)
        {
            var mac = n.Mac ?? "";
            var name = vm.Config.Metadata.TryGetValue(VmSpec.NicKey(mac), out var nm)
                || x.Metadata.TryGetValue(VmSpec.NicKey(mac), out nm) ? nm : $"nic{i}";
            i++;
            declaredNics.TryGetValue(name, out var declared);
            var network = n.Network ?? n.Bridge ?? "";
            var model = VmNetworks.ModelFrom(n.Model);
            nics.Add(new VmNetworkInterface { Name = name, Vlan = networks.ReferenceOf(network, declared?.Vlan),
                Mac = declared?.Mac is null ? null : mac, Model = model });
            attachedNics.Add(new VmNetworkInterfaceState { Name = name, Vlan = network,
                VlanId = networks.VlanIdOf(network), Mac = mac, Model = model, Target = n.TargetDev });
        }
        s.NetworkInterfaces = nics.Count == 0 && s.NetworkInterfaces is null ? null : nics;
        s.AttachedNetworkInterfaces = attachedNics;
    }

    /// <summary>`pool/image` (or `pool/ns/image`) of an RBD disk source.</summary>
    public static (string? Pool, string? Image) SplitRbd(string? sourceName)
    {
        if (sourceName is null) return (null, null);
        var parts = sourceName.Split('/');
        return parts.Length >= 2 ? (parts[0], parts[^1]) : (null, null);
    }
}
