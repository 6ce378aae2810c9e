using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

// Update of the devices: disks, NICs and the cloud-init seed, hot-plugged when the VM runs.
public sealed partial class VirtualMachine
{
    private static async Task UpdateDisksAsync(VirtualMachineArgs a, VirtualMachineState olds, FoundVm found,
        ClusterInfo info, ChangeScope scope, OperationContext ctx)
    {
        var name = found.Xml.Name;
        var virsh = new Virsh(found.Host);
        var rbd = new Rbd(found.Host, ClusterConnection.CephContext);
        var current = found.Xml.Disks.Where(d => d.DeviceName == "disk").ToList();
        var targets = current
            .Where(d => d.TargetDev is not null && VmState.SplitRbd(d.SourceName).Image is { } img
                && img.StartsWith(name + "-", StringComparison.Ordinal))
            .ToDictionary(d => VmState.SplitRbd(d.SourceName).Image![(name.Length + 1)..], d => d.TargetDev!);
        var declared = (a.Disks ?? []).Where(d => d is not null).Select(d => d!).ToList();
        var layout = VmLayout.Disks(declared, name, info.VmPool, targets);
        foreach (var d in layout)
        {
            var attached = current.FirstOrDefault(c =>
                c.TargetDev == d.TargetDev && VmState.SplitRbd(c.SourceName).Image == d.Image.Image);
            if (attached is null)
            {
                await ctx.StepAsync($"create disk {d.Name}", found.Member.Name, ct =>
                    OwnedRbdImage.EnsureAsync(rbd, d.Image, ctx.Urn, stateNamesIt: false,
                        rbd.CreateCall(d.Image, d.SizeGiB * GiB, null), ct));
                var spec = VmSpec.Disk(d, info);
                await ctx.StepAsync($"attach disk {d.Name}", found.Member.Name,
                    ct => virsh.AttachDeviceAsync(name, spec, scope, ct));
                continue;
            }
            var info2 = await ctx.StepAsync($"read disk {d.Name}", found.Member.Name, ct => rbd.InfoAsync(d.Image, ct),
                readOnly: true);
            if (info2.SizeBytes < d.SizeGiB * GiB)
            {
                // The guest sees the new size at once through blockresize; the image alone would wait for a restart.
                if (scope.HasFlag(ChangeScope.Live))
                    await ctx.StepAsync($"grow disk {d.Name}", found.Member.Name,
                        ct => virsh.BlockResizeAsync(name, d.TargetDev, d.SizeGiB * GiB, ct: ct));
                else
                    await ctx.StepAsync($"grow disk {d.Name}", found.Member.Name,
                        ct => rbd.ResizeAsync(d.Image, d.SizeGiB * GiB, allowShrink: false, ct));
            }
        }
        foreach (var c in current.Where(c => !layout.Any(d => d.TargetDev == c.TargetDev)))
        {
            var (pool, image) = VmState.SplitRbd(c.SourceName);
            await ctx.StepAsync($"detach disk {c.TargetDev}", found.Member.Name,
                ct => virsh.DetachDeviceAsync(name, c, scope, ct));
            if (pool is not null && image is not null && image.StartsWith(name + "-", StringComparison.Ordinal))
                await ctx.StepAsync($"remove {pool}/{image}", found.Member.Name, async ct =>
                {
                    // A virtio disk leaves a running guest only when the guest lets go; until then its image is busy.
                    for (var i = 0; ; i++)
                    {
                        try { await rbd.RemoveAsync(new RbdImageRef(pool, image), ct); return; }
                        catch (RbdImageBusyException) when (i < 30) { await Task.Delay(TimeSpan.FromSeconds(2), ct); }
                    }
                });
        }
    }

    private static async Task UpdateNicsAsync(VirtualMachineArgs a, FoundVm found, ChangeScope scope,
        OperationContext ctx)
    {
        var name = found.Xml.Name;
        var virsh = new Virsh(found.Host);
        var current = found.Xml.Interfaces.ToList();
        string? NameOf(DomainInterface n) => n.Mac is { } mac
            && (found.Config.Metadata.TryGetValue(VmSpec.NicKey(mac),
            out var nm) || found.Xml.Metadata.TryGetValue(VmSpec.NicKey(mac), out nm)) ? nm : null;
        var declared = (a.NetworkInterfaces ?? []).Where(n => n is not null).Select(n => n!).ToList();
        foreach (var c in current.Where(c => NameOf(c) is { } nm && !declared.Any(d => d.Name == nm)))
        {
            await ctx.StepAsync($"detach NIC {NameOf(c)}", found.Member.Name,
                ct => virsh.DetachDeviceAsync(name, c, scope, ct));
            await SetMetadataAsync(found, VmSpec.NicKey(c.Mac!), null, ctx);
        }
        var added = declared.Where(d => !current.Any(c => NameOf(c) == d.Name)).ToList();
        if (added.Count == 0) return;
        var networks = await ctx.StepAsync("read VLAN networks", found.Member.Name,
            ct => VmNetworks.ReadAsync(found.Host, ct), readOnly: true);
        foreach (var nic in networks.Layout(found.Member.Name, added))
        {
            var spec = InterfaceSpec.OnNetwork(nic.Network, mac: nic.Mac) with { Model = nic.Model };
            await ctx.StepAsync($"attach NIC {nic.Name}", found.Member.Name,
                ct => virsh.AttachDeviceAsync(name, spec, scope, ct));
            await SetMetadataAsync(found, VmSpec.NicKey(nic.Mac), nic.Name, ctx);
        }
    }

    /// <summary>A changed cloud-init gets a new seed image (its name follows the content); the old one goes once the VM
    /// uses the new.</summary>
    private static async Task UpdateSeedAsync(VirtualMachineArgs a, FoundVm found, ClusterInfo info, bool running,
        OperationContext ctx)
    {
        var seed = CloudInitSeed.For(found.Xml.Name, a.CloudInit);
        var cdrom = found.Xml.Disks.FirstOrDefault(d => d.DeviceName == "cdrom" && d.TargetDev == VmLayout.SeedTarget);
        var want = seed is null ? null : VmLayout.SeedImage(info.VmPool, found.Xml.Name, seed.InstanceId);
        var have = VmState.SplitRbd(cdrom?.SourceName);
        if (want is not null && have.Image == want.Image) return;
        if (want is null && cdrom is null) return;
        var rbd = new Rbd(found.Host, ClusterConnection.CephContext);
        if (want is not null) await ctx.StepAsync("build cloud-init seed", found.Member.Name,
            ct => seed!.ImportAsync(found.Host, want, ctx.Urn, stateNamesIt: false, ct));
        var virsh = new Virsh(found.Host);
        var scope = running ? ChangeScope.LiveAndConfig : ChangeScope.Config;
        if (cdrom is not null) await ctx.StepAsync("detach old seed", found.Member.Name,
            ct => virsh.DetachDeviceAsync(found.Xml.Name, cdrom, scope, ct));
        if (want is not null)
            await ctx.StepAsync("attach new seed", found.Member.Name,
                ct => virsh.AttachDeviceAsync(found.Xml.Name, VmSpec.Seed(want, info), scope, ct));
        if (have.Pool is not null && have.Image is not null)
            await ctx.StepAsync($"remove {have.Pool}/{have.Image}", found.Member.Name, async ct =>
            {
                try { await rbd.RemoveAsync(new RbdImageRef(have.Pool, have.Image), ct); }
                catch (RbdImageBusyException) { /* still open by the running guest; removed with the VM */ }
            });
        await ctx.InfoAsync($"VM {found.Xml.Name}: new cloud-init seed (instance-id {seed?.InstanceId ?? "none"}); " +
            $"the guest applies it at its next boot");
    }
}
