using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

// Update, always in place: the domain keeps its UUID. Each change is made live when the running
// VM allows it and in the definition too, so it survives a restart; what only a restart can apply
// follows `restartPolicy` (reboot, or listed in `pendingChanges`). A VM whose create was cut short
// is finished first.
public sealed partial class VirtualMachine
{
    protected override async Task<VirtualMachineState> UpdateAsync(string id, VirtualMachineState olds,
        VirtualMachineArgs a, DiffResult diff,
        OperationContext ctx)
    {
        var conn = ClusterConnection.Open(a.ConnectString, ctx.RemoteHosts());
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
                    ?? throw new ProviderException($"VM {a.Name} ({state.Uuid}) is not on any host after it was " +
                        $"defined");
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
            if (found.Xml.Metadata.GetValueOrDefault(VmMetadata.Placement) != placement) await SetMetadataAsync(found,
                VmMetadata.Placement, placement, ctx);
            if (found.Xml.Metadata.GetValueOrDefault(VmMetadata.Host) != a.Host) await SetMetadataAsync(found,
                VmMetadata.Host, a.Host, ctx);
            var live = running ? ChangeScope.LiveAndConfig : ChangeScope.Config;
            var restart = false;

            // vCPUs and memory: live within the maximums set at boot; a new maximum needs a cold boot.
            if (a.MaxVcpus is { } maxV && maxV != found.Config.MaxVcpus)
            {
                await ctx.StepAsync("set maximum vCPUs", found.Member.Name,
                    ct => virsh.SetMaxVcpusAsync(name, maxV, ct));
                if (running) { restart = true; pending.Add($"maxVcpus {found.Config.MaxVcpus} → {maxV}"); }
            }
            if (a.Vcpus is { } v && v != found.Xml.Vcpus)
            {
                var liveOk = v <= found.Config.MaxVcpus;
                await ctx.StepAsync("set vCPUs", found.Member.Name,
                    ct => virsh.SetVcpusAsync(name, v, liveOk ? live : ChangeScope.Config, ct));
                if (running && !liveOk) { restart = true; pending.Add($"vcpus {found.Xml.Vcpus} → {v}"); }
            }
            var maxMemKiB = VmMemory.MaximumKiB(a);
            if ((a.MaxMemoryMiB ?? a.MemoryMiB) is not null && maxMemKiB != found.Config.MemoryKiB)
            {
                await ctx.StepAsync("set maximum memory", found.Member.Name,
                    ct => virsh.SetMaxMemAsync(name, maxMemKiB, ct));
                if (running) { restart = true; pending.Add($"maxMemoryMiB " +
                    $"{LibvirtUnits.KiBToMiB(found.Config.MemoryKiB)} → {LibvirtUnits.KiBToMiB(maxMemKiB)}"); }
            }
            if (a.MemoryMiB is { } m && VmMemory.CurrentKiB(a) is var memKiB && memKiB != found.Config.CurrentMemoryKiB)
            {
                var liveOk = memKiB <= found.Config.MemoryKiB;
                await ctx.StepAsync("set memory", found.Member.Name,
                    ct => virsh.SetMemAsync(name, memKiB, liveOk ? live : ChangeScope.Config, ct));
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
                    await ctx.WarningAsync($"VM {name}: {string.Join(", ", pending)} take effect at its next restart " +
                        $"(restartPolicy never)");
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
            if (wantRunning && !running) await ctx.StepAsync("start VM", found.Member.Name,
                ct => virsh.StartAsync(name, ct));
            if (!wantRunning && running) await StopAsync(virsh, name, found.Member.Name, ctx);

            state.CurrentHost = found.Member.Name;
            await ReadIntoAsync(state, conn, state.Uuid, ctx);
            state.PendingChanges = pending.Count > 0 ? pending : null;
            return state;
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted && e is not OperationCanceledException)
        {
            throw Failures.InitFailed(state.Uuid!, state, e, "run `pulumi up` again to finish the change");
        }
    }

    private static async Task FinishCreateAsync(VirtualMachineArgs a, VirtualMachineState olds,
        VirtualMachineState state, ClusterConnection conn, OperationContext ctx)
    {
        var (member, host) = await VmHosts.ChooseAsync(conn, olds.CurrentHost ?? a.Host, 0, ctx);
        var networks = await ctx.StepAsync("read VLAN networks", member.Name, ct => VmNetworks.ReadAsync(host, ct),
            readOnly: true);
        var macs = (olds.AttachedNetworkInterfaces ?? []).Where(n => n.Name is not null && n.Mac is not null)
            .ToDictionary(n => n.Name!, n => n.Mac!);
        var declared = (a.NetworkInterfaces ?? []).Where(n => n is not null)
            .Select(n => n!.Mac is null && macs.TryGetValue(n.Name!, out var mac) ? new VmNetworkInterface
        { Name = n.Name, Vlan = n.Vlan, Model = n.Model, Mac = mac } : n!).ToList();
        var nics = networks.Layout(member.Name, declared);
        var targets = (olds.AttachedDisks ?? []).Where(d => d.Name is not null && d.Target is not null)
            .ToDictionary(d => d.Name!, d => d.Target!);
        var disks = VmLayout.Disks((a.Disks ?? []).Where(d => d is not null).Select(d => d!).ToList(), a.Name!,
            conn.Info.VmPool, targets);
        var seed = CloudInitSeed.For(a.Name!, a.CloudInit);
        var image = a.Image is null ? null : ImageRef(a.Image, conn.Info.VmPool);
        // The create this finishes took firmware and OS type from the image; so does the definition made now.
        var effective = image is null ? a : await WithImageDefaultsAsync(a,
            new Rbd(host, ClusterConnection.CephContext), image, ctx);
        state.CurrentHost = member.Name;
        await MaterializeAsync(effective, conn.Info, member.Name, host, Guid.Parse(state.Uuid!), disks, nics, image,
            seed,
            seed is null ? null : VmLayout.SeedImage(conn.Info.VmPool, a.Name!,
                seed.InstanceId), stateNamesThem: true, ctx);
    }

    /// <summary>Sets one metadata item in the running domain and its definition alike, so a migration carries it either
    /// way.</summary>
    private static async Task SetMetadataAsync(FoundVm found, string key, string? value, OperationContext ctx)
    {
        var virsh = new Virsh(found.Host);
        var config = await ctx.StepAsync("read definition", found.Member.Name,
            ct => virsh.DumpXmlAsync(found.Xml.Name, inactive: true, ct), readOnly: true);
        var items = config.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        if (value is null) items.Remove(key); else items[key] = value;
        var running = found.Xml.Id is not null;
        await ctx.StepAsync("update metadata", found.Member.Name,
            ct => virsh.SetMetadataAsync(found.Xml.Name, items,
            running ? ChangeScope.LiveAndConfig : ChangeScope.Config, ct));
    }

    private static async Task StopAsync(Virsh virsh, string name, string host, OperationContext ctx)
    {
        if (!await ctx.StepAsync("shut down VM", host, ct => virsh.ShutdownAsync(name, ShutdownWait, GuestShutdownModes,
            ct)))
        {
            await ctx.StepAsync("power off VM", host, ct => virsh.DestroyAsync(name, ct));
            await ctx.InfoAsync($"VM {name} did not shut down within {ShutdownWait.TotalSeconds:0} s; it was powered " +
                $"off");
        }
    }
}
