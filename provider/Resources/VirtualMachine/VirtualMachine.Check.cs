using System.Globalization;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.VirtualMachine;

// Check: the offline validation of the inputs, and the one change refused (a shrinking disk).
public sealed partial class VirtualMachine
{
    /// <summary>A disk may grow in place; shrinking would cut off the guest's filesystem, so it is refused.</summary>
    protected override void ValidateChange(VirtualMachineArgs olds, VirtualMachineArgs news, CheckContext ctx)
    {
        var oldSizes = (olds.Disks ?? []).Where(d => d?.Name is not null && d.SizeGiB is not null)
            .GroupBy(d => d!.Name!).ToDictionary(g => g.Key, g => g.First()!.SizeGiB!.Value, StringComparer.Ordinal);
        for (var i = 0; i < (news.Disks?.Count ?? 0); i++)
        {
            var disk = news.Disks![i];
            if (disk?.Name is null || disk.SizeGiB is not { } size || !oldSizes.TryGetValue(disk.Name,
                out var old) || size >= old) continue;
            ctx.Fail(PropertyPath.Field(PropertyPath.Index("disks", i), "sizeGiB"),
                $"disk {Quoted.Value(disk.Name)} cannot shrink from {old} GiB to {size} GiB: shrinking would cut off " +
                $"the guest's data. " +
                "Keep the size, or add a new smaller disk and move the data inside the guest");
        }
    }

    protected override void Validate(VirtualMachineArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckSimpleName(ctx, "name", args.Name, 63, args.Name == ctx.ResourceName ? " (it defaults to the " +
            "resource name; set `name` explicitly)" : "");
        CheckImageReference(ctx, "image", args.Image);
        HostChecks.CheckName(ctx, "host", args.Host);
        if (args.Placement == Placement.Pinned && args.Host is null && !ctx.IsUnknown("host"))
            ctx.Fail("host", "is required when placement is pinned: name the cluster host the VM must stay on, or " +
                "use placement auto");

        ValidateSizing(args, ctx);
        Names.CheckCpuModel(ctx, "cpuModel", args.CpuModel);
        ValidateDisks(args.Disks, ctx);
        ValidateNetworkInterfaces(args.NetworkInterfaces, ctx);

        if (args.CloudInit is { } ci)
        {
            CloudInitCheck.CheckUserData(ctx, "cloudInit.userData", ci.UserData);
            CloudInitCheck.CheckYamlDocument(ctx, "cloudInit.metaData", ci.MetaData);
            CloudInitCheck.CheckYamlDocument(ctx, "cloudInit.networkConfig", ci.NetworkConfig);
        }
    }

    private static void ValidateSizing(VirtualMachineArgs args, CheckContext ctx)
    {
        ctx.RequireRange("vcpus", args.Vcpus, 1, MaxVcpus);
        ctx.RequireRange("memoryMiB", args.MemoryMiB, MinMemoryMiB, MaxMemoryMiB);
        ctx.RequireRange("maxVcpus", args.MaxVcpus, 1, MaxVcpus);
        ctx.RequireRange("maxMemoryMiB", args.MaxMemoryMiB, MinMemoryMiB, MaxMemoryMiB);
        if (args is { Vcpus: { } v and >= 1 and <= MaxVcpus, MaxVcpus: { } mv and >= 1 and <= MaxVcpus } && mv < v)
            ctx.Fail("maxVcpus", $"must be at least vcpus ({v}), got {mv}; it is the headroom vcpus can grow to " +
                $"without a restart");
        if (args is { MemoryMiB: { } m and >= MinMemoryMiB and <= MaxMemoryMiB,
            MaxMemoryMiB: { } mm and >= MinMemoryMiB and <= MaxMemoryMiB } && mm < m)
            ctx.Fail("maxMemoryMiB", $"must be at least memoryMiB ({m}), got {mm}; it is the headroom memoryMiB can " +
                $"grow to without a restart");
    }

    private static void ValidateDisks(List<VmDisk?>? disks, CheckContext ctx)
    {
        if (disks is null) return;
        if (disks.Count == 0)
            ctx.Fail("disks", "a VM needs at least one disk; the first is the boot disk (cloned from `image` when " +
                "set)");
        else if (disks.Count > MaxDisks)
            ctx.Fail("disks", $"at most {MaxDisks} disks are supported, got {disks.Count}");
        for (var i = 0; i < disks.Count; i++)
        {
            if (disks[i] is not { } disk) continue;
            var p = PropertyPath.Index("disks", i);
            Names.CheckSimpleName(ctx, PropertyPath.Field(p, "name"), disk.Name, 32);
            ctx.RequirePositive(PropertyPath.Field(p, "sizeGiB"), disk.SizeGiB, MaxDiskGiB, " GiB");
            Names.CheckPoolName(ctx, PropertyPath.Field(p, "pool"), disk.Pool);
        }
        Uniqueness.Check(ctx, "disks", disks, "name", d => d.Name, "disk name");
    }

    private static void ValidateNetworkInterfaces(List<VmNetworkInterface?>? nics, CheckContext ctx)
    {
        if (nics is null) return;
        if (nics.Count > MaxNetworkInterfaces)
            ctx.Fail("networkInterfaces", $"at most {MaxNetworkInterfaces} network interfaces are supported, got " +
                $"{nics.Count}");
        for (var i = 0; i < nics.Count; i++)
        {
            if (nics[i] is not { } nic) continue;
            var p = PropertyPath.Index("networkInterfaces", i);
            Names.CheckSimpleName(ctx, PropertyPath.Field(p, "name"), nic.Name, 32);
            CheckVlanReference(ctx, PropertyPath.Field(p, "vlan"), nic.Vlan);
            MacAddress.Check(ctx, PropertyPath.Field(p, "mac"), nic.Mac);
        }
        Uniqueness.Check(ctx, "networkInterfaces", nics, "name", n => n.Name, "interface name");
        Uniqueness.Check(ctx, "networkInterfaces", nics, "mac", n => MacAddress.Normalize(n.Mac), "MAC address",
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>`vlan` is a port-group name or a VLAN id written as digits.</summary>
    private static void CheckVlanReference(CheckContext ctx, string path, string? vlan)
    {
        if (vlan is null) return;
        if (vlan.Length > 0 && vlan.All(char.IsAsciiDigit))
        {
            var id = vlan.Length > 9 ? long.MaxValue : long.Parse(vlan, CultureInfo.InvariantCulture);
            if (id is < 1 or > 4094)
                ctx.Fail(path, $"{Quoted.Value(vlan)}: VLAN ids are 1-4094; or name an OvsVlan port group");
            return;
        }
        Names.CheckSimpleName(ctx, path, vlan, 63, "; give an OvsVlan's name or a VLAN id");
    }

    /// <summary>`image` is `name` or `pool/name` of a VirtualImage (not a snapshot: the provider manages
    /// those).</summary>
    private static void CheckImageReference(CheckContext ctx, string path, string? image)
    {
        if (image is null) return;
        if (image.Contains('@'))
        {
            ctx.Fail(path, $"{Quoted.Value(image)} names a snapshot; give the VirtualImage's name (or pool/name) and " +
                $"the provider uses its protected snapshot");
            return;
        }
        var parts = image.Split('/');
        if (parts.Length > 2)
        {
            ctx.Fail(path, $"{Quoted.Value(image)} must be an image name or pool/name");
            return;
        }
        // The parts are checked as the fields they name, and reported on `image` with the whole value.
        var probe = new CheckContext(ctx.ResourceName, new MappingReport());
        if (parts.Length == 2) Names.CheckPoolName(probe, path, parts[0]);
        Names.CheckSimpleName(probe, path, parts[^1], 127);
        if (probe.Report.Failures.Count > 0)
            ctx.Fail(path, $"{Quoted.Value(image)}: {probe.Report.Failures[0].Reason}; give a VirtualImage's name, " +
                $"or pool/name");
    }
}
