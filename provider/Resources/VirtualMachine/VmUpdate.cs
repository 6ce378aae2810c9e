using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.MvmCluster;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// VirtualMachine's update, always in place: the domain keeps its UUID. Each change is made live
/// when the running VM allows it and in the definition too, so it survives a restart; what only a
/// restart can apply follows `restartPolicy` (reboot, or listed in `pendingChanges`). A VM whose
/// create was cut short is finished first.
/// </summary>
public static class VmUpdate
{
    private const long GiB = 1L << 30;

    public static async Task<VirtualMachineState> RunAsync(string id, VirtualMachineState olds, VirtualMachineArgs a, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(a.ConnectString, ctx);
        var info = conn.Info;
        var state = States.FromInputs<VirtualMachineArgs, VirtualMachineState>(a);
        state.Uuid = olds.Uuid ?? id;
        state.CurrentHost = olds.CurrentHost;
        state.AttachedDisks = olds.AttachedDisks;
        state.AttachedNetworkInterfaces = olds.AttachedNetworkInterfaces;
        var pending = new List<string>();
        try
        {
            var found = await VmHosts.FindAsync(conn, state.Uuid, olds.CurrentHost, ctx);
            if (found is null)
            {
                await FinishCreateAsync(a, olds, state, conn, ctx);
                found = await VmHosts.FindAsync(conn, state.Uuid, state.CurrentHost, ctx)
                    ?? throw new ProviderException($"VM {a.Name} ({state.Uuid}) is not on any host after it was defined");
            }

            // The host first: everything after happens where the VM now runs.
            if (a.Host is not null && !string.Equals(a.Host, olds.Host, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(a.Host, found.Member.Name, StringComparison.OrdinalIgnoreCase))
                found = await MigrateAsync(conn, found, a.Host, a, ctx);

            var name = found.Xml.Name;
            var virsh = new Virsh(found.Host);
            var running = found.Xml.Id is not null;
            // The placement travels with the domain, so a drain reads what the program now says.
            var placement = VmSpec.PlacementName(a.Placement);
            if (found.Xml.Metadata.GetValueOrDefault(VmMetadata.Placement) != placement) await SetMetadataAsync(found, VmMetadata.Placement, placement, ctx);
            if (found.Xml.Metadata.GetValueOrDefault(VmMetadata.Host) != a.Host) await SetMetadataAsync(found, VmMetadata.Host, a.Host, ctx);
            var live = running ? ChangeScope.LiveAndConfig : ChangeScope.Config;
            var restart = false;

            // vCPUs and memory: live within the maximums set at boot; a new maximum needs a cold boot.
            if (a.MaxVcpus is { } maxV && maxV != found.Config.MaxVcpus)
            {
                await ctx.StepAsync("set maximum vCPUs", found.Member.Name, ct => virsh.SetMaxVcpusAsync(name, maxV, ct));
                if (running) { restart = true; pending.Add($"maxVcpus {found.Config.MaxVcpus} → {maxV}"); }
            }
            if (a.Vcpus is { } v && v != found.Xml.Vcpus)
            {
                var liveOk = v <= found.Config.MaxVcpus;
                await ctx.StepAsync("set vCPUs", found.Member.Name, ct => virsh.SetVcpusAsync(name, v, liveOk ? live : ChangeScope.Config, ct));
                if (running && !liveOk) { restart = true; pending.Add($"vcpus {found.Xml.Vcpus} → {v}"); }
            }
            var maxMemKiB = (long)(a.MaxMemoryMiB ?? a.MemoryMiB ?? 0) * 1024;
            if (maxMemKiB > 0 && maxMemKiB != found.Config.MemoryKiB)
            {
                await ctx.StepAsync("set maximum memory", found.Member.Name, ct => virsh.SetMaxMemAsync(name, maxMemKiB, ct));
                if (running) { restart = true; pending.Add($"maxMemoryMiB {found.Config.MemoryKiB / 1024} → {maxMemKiB / 1024}"); }
            }
            if (a.MemoryMiB is { } m && (long)m * 1024 != found.Config.CurrentMemoryKiB)
            {
                var liveOk = (long)m * 1024 <= found.Config.MemoryKiB;
                await ctx.StepAsync("set memory", found.Member.Name, ct => virsh.SetMemAsync(name, (long)m * 1024, liveOk ? live : ChangeScope.Config, ct));
                if (running && !liveOk) { restart = true; pending.Add($"memoryMiB → {m}"); }
            }

            await UpdateDisksAsync(a, olds, found, info, live, ctx);
            await UpdateNicsAsync(a, found, live, ctx);
            await UpdateSeedAsync(a, found, info, running, ctx);

            // Power: a reboot for what needs one (per restartPolicy), then the declared state.
            var wantRunning = a.PowerState != PowerState.Stopped;
            if (restart && wantRunning && running)
            {
                if (a.RestartPolicy == RestartPolicy.Never)
                {
                    await ctx.WarningAsync($"VM {name}: {string.Join(", ", pending)} take effect at its next restart (restartPolicy never)");
                }
                else
                {
                    await StopAsync(virsh, name, found.Member.Name, ctx);
                    await ctx.StepAsync("start VM", found.Member.Name, ct => virsh.StartAsync(name, ct));
                    await ctx.InfoAsync($"VM {name} restarted for {string.Join(", ", pending)}");
                    pending.Clear();
                }
            }
            else pending.Clear();
            if (wantRunning && !running) await ctx.StepAsync("start VM", found.Member.Name, ct => virsh.StartAsync(name, ct));
            if (!wantRunning && running) await StopAsync(virsh, name, found.Member.Name, ctx);

            state.CurrentHost = found.Member.Name;
            await VmLifecycle.ReadIntoAsync(state, conn, state.Uuid, ctx);
            state.PendingChanges = pending.Count > 0 ? pending : null;
            return state;
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted && e is not OperationCanceledException)
        {
            throw Failures.InitFailed(state.Uuid!, state, e, "run `pulumi up` again to finish the change");
        }
    }

    private static async Task FinishCreateAsync(VirtualMachineArgs a, VirtualMachineState olds, VirtualMachineState state, ClusterConnection conn, OperationContext ctx)
    {
        var (member, host) = await VmHosts.ChooseAsync(conn, olds.CurrentHost ?? a.Host, 0, ctx);
        var networks = await ctx.StepAsync("read VLAN networks", member.Name, ct => VmNetworks.ReadAsync(host, ct), readOnly: true);
        var macs = (olds.AttachedNetworkInterfaces ?? []).Where(n => n.Name is not null && n.Mac is not null).ToDictionary(n => n.Name!, n => n.Mac!);
        var declared = (a.NetworkInterfaces ?? []).Where(n => n is not null).Select(n => n!.Mac is null && macs.TryGetValue(n.Name!, out var mac) ? new VmNetworkInterface
        { Name = n.Name, Vlan = n.Vlan, Model = n.Model, Mac = mac } : n!).ToList();
        var nics = networks.Layout(member.Name, declared);
        var targets = (olds.AttachedDisks ?? []).Where(d => d.Name is not null && d.Target is not null).ToDictionary(d => d.Name!, d => d.Target!);
        var disks = VmLayout.Disks((a.Disks ?? []).Where(d => d is not null).Select(d => d!).ToList(), a.Name!, conn.Info.VmPool, targets);
        var seed = CloudInitSeed.For(a.Name!, a.CloudInit);
        var image = a.Image is null ? null : VmLifecycle.ImageRef(a.Image, conn.Info.VmPool);
        // The create this finishes took firmware and OS type from the image; so does the definition made now.
        var effective = image is null ? a : await VmLifecycle.WithImageDefaultsAsync(a, new Rbd(host, ClusterConnection.CephContext), image, ctx);
        state.CurrentHost = member.Name;
        await VmLifecycle.MaterializeAsync(effective, conn.Info, member.Name, host, Guid.Parse(state.Uuid!), disks, nics, image, seed,
            seed is null ? null : VmLayout.SeedImage(conn.Info.VmPool, a.Name!, seed.InstanceId), stateNamesThem: true, ctx);
    }

    /// <summary>Moves the VM to <paramref name="target"/>: live when it runs, its definition when it is off; refused before the move when the target cannot take it.</summary>
    private static async Task<FoundVm> MigrateAsync(ClusterConnection conn, FoundVm found, string target, VirtualMachineArgs a, OperationContext ctx)
    {
        var (member, host) = await VmHosts.ChooseAsync(conn, target, found.Config.MemoryKiB, ctx);
        var vm = VmOnHost.Of(found.Xml);
        if (vm.LocalDisks.Count > 0)
            throw new PreconditionFailedException($"VM {vm.Name} cannot move to {member.Name}: it has disks on {found.Member.Name}'s local storage ({string.Join(", ", vm.LocalDisks)}); nothing was changed");
        await MigrationTrust.EnsureAsync(conn.Info, [(found.Member.Host, found.Host), (member.Host, host)], ctx);
        await ctx.StatusAsync($"{(vm.Running ? "live-migrating" : "moving shut-off")} VM {vm.Name} from {found.Member.Name} to {member.Name}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ctx.StepAsync(vm.Running ? "live-migrate VM" : "move VM definition", found.Member.Name,
            ct => HostDrain.MoveAsync(found.Host, found.Member.Name, member.Host, host, vm, ct));
        // The placement metadata follows the declared host, so a pinned VM is pinned where it now is.
        await ctx.InfoAsync($"VM {vm.Name} {(vm.Running ? "live-migrated" : "moved")} from {found.Member.Name} to {member.Name} in {clock.Elapsed.TotalSeconds:0.0} s");
        return await VmHosts.FindAsync(conn, found.Xml.Uuid!.Value.ToString(), member.Name, ctx)
            ?? throw new ProviderException($"VM {vm.Name} is not on {member.Name} after its migration");
    }

    private static async Task UpdateDisksAsync(VirtualMachineArgs a, VirtualMachineState olds, FoundVm found, ClusterInfo info, ChangeScope scope, OperationContext ctx)
    {
        var name = found.Xml.Name;
        var virsh = new Virsh(found.Host);
        var rbd = new Rbd(found.Host, ClusterConnection.CephContext);
        var current = found.Xml.Disks.Where(d => d.DeviceName == "disk").ToList();
        var targets = current.Where(d => d.TargetDev is not null && VmState.SplitRbd(d.SourceName).Image is { } img && img.StartsWith(name + "-", StringComparison.Ordinal))
            .ToDictionary(d => VmState.SplitRbd(d.SourceName).Image![(name.Length + 1)..], d => d.TargetDev!);
        var declared = (a.Disks ?? []).Where(d => d is not null).Select(d => d!).ToList();
        var layout = VmLayout.Disks(declared, name, info.VmPool, targets);
        foreach (var d in layout)
        {
            var attached = current.FirstOrDefault(c => c.TargetDev == d.TargetDev && VmState.SplitRbd(c.SourceName).Image == d.Image.Image);
            if (attached is null)
            {
                await ctx.StepAsync($"create disk {d.Name}", found.Member.Name, ct =>
                    OwnedRbdImage.EnsureAsync(rbd, d.Image, ctx.Urn, stateNamesIt: false, rbd.CreateCall(d.Image, d.SizeGiB * GiB, null), ct));
                var spec = VmSpec.Disk(d, info);
                await ctx.StepAsync($"attach disk {d.Name}", found.Member.Name, ct => virsh.AttachDeviceAsync(name, spec, scope, ct));
                continue;
            }
            var info2 = await ctx.StepAsync($"read disk {d.Name}", found.Member.Name, ct => rbd.InfoAsync(d.Image, ct), readOnly: true);
            if (info2.SizeBytes < d.SizeGiB * GiB)
            {
                // The guest sees the new size at once through blockresize; the image alone would wait for a restart.
                if (scope.HasFlag(ChangeScope.Live))
                    await ctx.StepAsync($"grow disk {d.Name}", found.Member.Name, ct => virsh.BlockResizeAsync(name, d.TargetDev, d.SizeGiB * GiB, ct: ct));
                else
                    await ctx.StepAsync($"grow disk {d.Name}", found.Member.Name, ct => rbd.ResizeAsync(d.Image, d.SizeGiB * GiB, allowShrink: false, ct));
            }
        }
        foreach (var c in current.Where(c => !layout.Any(d => d.TargetDev == c.TargetDev)))
        {
            var (pool, image) = VmState.SplitRbd(c.SourceName);
            await ctx.StepAsync($"detach disk {c.TargetDev}", found.Member.Name, ct => virsh.DetachDeviceAsync(name, c, scope, ct));
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

    private static async Task UpdateNicsAsync(VirtualMachineArgs a, FoundVm found, ChangeScope scope, OperationContext ctx)
    {
        var name = found.Xml.Name;
        var virsh = new Virsh(found.Host);
        var current = found.Xml.Interfaces.ToList();
        string? NameOf(DomainInterface n) => n.Mac is { } mac && (found.Config.Metadata.TryGetValue(VmSpec.NicKey(mac), out var nm) || found.Xml.Metadata.TryGetValue(VmSpec.NicKey(mac), out nm)) ? nm : null;
        var declared = (a.NetworkInterfaces ?? []).Where(n => n is not null).Select(n => n!).ToList();
        foreach (var c in current.Where(c => NameOf(c) is { } nm && !declared.Any(d => d.Name == nm)))
        {
            await ctx.StepAsync($"detach NIC {NameOf(c)}", found.Member.Name, ct => virsh.DetachDeviceAsync(name, c, scope, ct));
            await SetMetadataAsync(found, VmSpec.NicKey(c.Mac!), null, ctx);
        }
        var added = declared.Where(d => !current.Any(c => NameOf(c) == d.Name)).ToList();
        if (added.Count == 0) return;
        var networks = await ctx.StepAsync("read VLAN networks", found.Member.Name, ct => VmNetworks.ReadAsync(found.Host, ct), readOnly: true);
        foreach (var nic in networks.Layout(found.Member.Name, added))
        {
            var spec = InterfaceSpec.OnNetwork(nic.Network, mac: nic.Mac) with { Model = nic.Model };
            await ctx.StepAsync($"attach NIC {nic.Name}", found.Member.Name, ct => virsh.AttachDeviceAsync(name, spec, scope, ct));
            await SetMetadataAsync(found, VmSpec.NicKey(nic.Mac), nic.Name, ctx);
        }
    }

    /// <summary>A changed cloud-init gets a new seed image (its name follows the content); the old one goes once the VM uses the new.</summary>
    private static async Task UpdateSeedAsync(VirtualMachineArgs a, FoundVm found, ClusterInfo info, bool running, OperationContext ctx)
    {
        var seed = CloudInitSeed.For(found.Xml.Name, a.CloudInit);
        var cdrom = found.Xml.Disks.FirstOrDefault(d => d.DeviceName == "cdrom" && d.TargetDev == VmLayout.SeedTarget);
        var want = seed is null ? null : VmLayout.SeedImage(info.VmPool, found.Xml.Name, seed.InstanceId);
        var have = VmState.SplitRbd(cdrom?.SourceName);
        if (want is not null && have.Image == want.Image) return;
        if (want is null && cdrom is null) return;
        var rbd = new Rbd(found.Host, ClusterConnection.CephContext);
        if (want is not null) await ctx.StepAsync("build cloud-init seed", found.Member.Name, ct => seed!.ImportAsync(found.Host, want, ctx.Urn, stateNamesIt: false, ct));
        var virsh = new Virsh(found.Host);
        var scope = running ? ChangeScope.LiveAndConfig : ChangeScope.Config;
        if (cdrom is not null) await ctx.StepAsync("detach old seed", found.Member.Name, ct => virsh.DetachDeviceAsync(found.Xml.Name, cdrom, scope, ct));
        if (want is not null)
            await ctx.StepAsync("attach new seed", found.Member.Name, ct => virsh.AttachDeviceAsync(found.Xml.Name, VmSpec.Seed(want, info), scope, ct));
        if (have.Pool is not null && have.Image is not null)
            await ctx.StepAsync($"remove {have.Pool}/{have.Image}", found.Member.Name, async ct =>
            {
                try { await rbd.RemoveAsync(new RbdImageRef(have.Pool, have.Image), ct); }
                catch (RbdImageBusyException) { /* still open by the running guest; removed with the VM */ }
            });
        await ctx.InfoAsync($"VM {found.Xml.Name}: new cloud-init seed (instance-id {seed?.InstanceId ?? "none"}); the guest applies it at its next boot");
    }

    /// <summary>Sets one metadata item in the running domain and its definition alike, so a migration carries it either way.</summary>
    private static async Task SetMetadataAsync(FoundVm found, string key, string? value, OperationContext ctx)
    {
        var virsh = new Virsh(found.Host);
        var config = await ctx.StepAsync("read definition", found.Member.Name, ct => virsh.DumpXmlAsync(found.Xml.Name, inactive: true, ct), readOnly: true);
        var items = config.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        if (value is null) items.Remove(key); else items[key] = value;
        var running = found.Xml.Id is not null;
        await ctx.StepAsync("update metadata", found.Member.Name, ct => virsh.SetMetadataAsync(found.Xml.Name, items, running ? ChangeScope.LiveAndConfig : ChangeScope.Config, ct));
    }

    public static async Task StopAsync(Virsh virsh, string name, string host, OperationContext ctx)
    {
        if (!await ctx.StepAsync("shut down VM", host, ct => virsh.ShutdownAsync(name, VmLifecycle.ShutdownWait, VmLifecycle.GuestShutdownModes, ct)))
        {
            await ctx.StepAsync("power off VM", host, ct => virsh.DestroyAsync(name, ct));
            await ctx.InfoAsync($"VM {name} did not shut down within {VmLifecycle.ShutdownWait.TotalSeconds:0} s; it was powered off");
        }
    }
}
