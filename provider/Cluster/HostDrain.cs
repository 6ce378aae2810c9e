using System.Diagnostics;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Empties a host of VMs before it enters maintenance or leaves the cluster: running VMs are
/// live-migrated, shut-off ones have their definition moved, each to a member in service with
/// room. Planned as a whole first (<see cref="DrainPlanner"/>), so a drain that cannot finish is
/// refused before the first VM moves; then one VM at a time, each checked on its new host.
/// </summary>
public static class HostDrain
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MigrateLimit = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Reads the host's domains and the other members' free memory, and plans where each VM goes.
    /// <paramref name="leaving"/> are hosts that cannot take VMs either (others leaving in the same update).
    /// </summary>
    public static async Task<DrainPlan> PlanAsync(ClusterConnection conn, MemberHost source, RemoteHost sourceHost,
        IReadOnlyCollection<string> leaving, IOperationSteps ctx)
    {
        var vms = await ctx.StepAsync("list VMs", source.Name, ct => ReadVmsAsync(sourceHost, ct), readOnly: true);
        if (vms.Count == 0) return new DrainPlan(source.Name!, [], []);
        var members = await ctx.StepAsync("read cluster members", null, ct => conn.MembersAsync(ct), readOnly: true);
        var candidates = members.Where(m =>
            !SameName(m.Name, source.Name) && !m.Maintenance && !leaving.Any(l => SameName(l, m.Name))).ToList();
        var rooms = await Task.WhenAll(candidates.Select(async m =>
        {
            try
            {
                return new HostRoom(m.Name,
                    await ctx.StepAsync("read free memory", m.Name, ct => AvailableKiBAsync(conn.Connect(m.Host), ct),
                    readOnly: true));
            }
            catch (StepFailedException e)
            {
                await ctx.WarningAsync($"{m.Name} cannot take VMs from {source.Name}: {e.Message.Split('\n')[0]}");
                return null;
            }
        }));
        return DrainPlanner.Plan(source.Name!, vms, rooms.Where(r => r is not null).Select(r => r!).ToList());
    }

    /// <summary>Refuses, listing every VM that cannot move and why, before anything changed.</summary>
    public static void RefuseUnlessPossible(DrainPlan plan, string action)
    {
        if (!plan.CanDrain)
            throw new PreconditionFailedException($"host {plan.Source} cannot {action}: its VMs cannot all move to " +
                $"other hosts; nothing was changed:\n  " +
                string.Join("\n  ", plan.Blockers));
    }

    /// <summary>
    /// Moves the planned VMs one at a time; a VM already on its target (an interrupted run) is skipped.
    /// </summary>
    public static async Task RunAsync(ClusterConnection conn, DrainPlan plan, MemberHost source, RemoteHost sourceHost,
        IOperationSteps ctx)
    {
        RefuseUnlessPossible(plan, "be drained");
        if (plan.Moves.Count == 0) return;
        var members = await conn.MembersAsync(ctx.CancellationToken);
        var targets = plan.Moves.Select(m => m.Target).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(t => members.First(m => SameName(m.Name, t)).Host).ToList();
        await MigrationTrust.EnsureAsync(conn.Info,
            [(source, sourceHost), .. targets.Select(t => (t, conn.Connect(t)))], ctx);
        await ctx.InfoAsync("drain plan: " + string.Join("; ", plan.Describe()));

        var clock = Stopwatch.StartNew();
        var n = 0;
        foreach (var move in plan.Moves)
        {
            n++;
            var target = targets.First(t => SameName(t.Name, move.Target));
            var targetHost = conn.Connect(target);
            var what = $"VM {move.Vm.Name} ({n} of {plan.Moves.Count}) from {source.Name} to {target.Name}";
            await ctx.StatusAsync((move.Vm.Running ? "live-migrating " : "moving shut-off ") + what);
            var one = Stopwatch.StartNew();
            await ctx.StepAsync(move.Vm.Running ? "live-migrate VM" : "move VM definition", source.Name, async ct =>
            {
                var list = await new Virsh(sourceHost).ListAsync(ct);
                if (!list.Any(d => d.Uuid == move.Vm.Uuid)) return; // moved by an earlier, interrupted run
                await MoveAsync(sourceHost, source.Name!, target, targetHost, move.Vm, ct);
            });
            await ctx.StepAsync("check VM arrived", target.Name, async ct =>
            {
                var state = await new Virsh(targetHost).DomStateAsync(move.Vm.Name, ct);
                if (move.Vm.Running && !state.IsActive)
                    throw new ProviderException($"VM {move.Vm.Name} is {state.State} on {target.Name} after its live " +
                        $"migration, not running");
            }, readOnly: true);
            await ctx.InfoAsync($"{(move.Vm.Running ? "live-migrated" : "moved shut-off")} {what} in " +
                $"{one.Elapsed.TotalSeconds:0.0} s");
        }
        await ctx.InfoAsync($"host {source.Name} drained: {plan.Moves.Count} VM(s) moved in " +
            $"{clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>MemAvailable of a host in KiB: the room the drain and VM placement measure by.</summary>
    public static async Task<long> AvailableKiBAsync(RemoteHost host, CancellationToken ct)
    {
        var meminfo = await HostFiles.ReadText("/proc/meminfo").RunAsync(host, ReadLimit, ct).ConfigureAwait(false);
        return HostFacts.ParseMemInfo(meminfo).AvailableBytes / 1024;
    }

    /// <summary>
    /// Moves one VM to <paramref name="target"/>: live when it runs, its definition when it is off.
    /// The trust is probed first (a clear error beats libvirt's), the NVRAM copied, and the
    /// destination keeps the source's definition, not the running XML, so changes waiting for a
    /// restart stay waiting. The drain and a VirtualMachine's host change both move VMs this way.
    /// </summary>
    public static async Task MoveAsync(RemoteHost sourceHost, string sourceName, MemberHost target,
        RemoteHost targetHost, VmOnHost vm, CancellationToken ct)
    {
        await MigrationTrust.ProbeAsync(sourceHost, sourceName, target, ct).ConfigureAwait(false);
        if (vm.Nvram is { } nvram) await CopyNvramAsync(sourceHost, targetHost, nvram, ct).ConfigureAwait(false);
        var virsh = new Virsh(sourceHost);
        var options = new MigrateOptions(MigrationTrust.DestinationUri(target))
        {
            Live = vm.Running,
            Offline = !vm.Running,
            PersistentXml = vm.Running ? (await virsh.DumpXmlAsync(vm.Name, inactive: true, ct).ConfigureAwait(false))
                .ToXml() : null,
        };
        await virsh.MigrateAsync(vm.Name, options, MigrateLimit, ct).ConfigureAwait(false);
    }

    /// <summary>Every domain on the host with the XML the plan needs, in two round trips.</summary>
    public static async Task<IReadOnlyList<VmOnHost>> ReadVmsAsync(RemoteHost host, CancellationToken ct)
    {
        var list = await new Virsh(host).ListAsync(ct).ConfigureAwait(false);
        if (list.Count == 0) return [];
        var batch = new ToolBatch(stopOnFailure: false);
        var xmls = list.Select(d => batch.Add(VirshCalls.DumpXml(d.Name))).ToList();
        await batch.RunAsync(host, ReadLimit, ct).ConfigureAwait(false);
        return xmls.Select(x => x.Value).Where(x => x is not null).Select(x => VmOnHost.Of(x!)).ToList();
    }

    /// <summary>
    /// A UEFI VM's variable store is a file on its host that migration does not carry: the target
    /// gets a copy first, so the VM boots with its own variables there.
    /// </summary>
    private static async Task CopyNvramAsync(RemoteHost source, RemoteHost target, string path, CancellationToken ct)
    {
        var read = await HostFiles.ReadIfPresent(path).RunAsync(source, ReadLimit, ct).ConfigureAwait(false);
        if (read is null) return; // never booted: libvirt makes it from the template on the target
        var dir = path[..path.LastIndexOf('/')];
        var batch = new ToolBatch();
        batch.Add(HostFiles.MakeDirectories("0755", [dir]));
        batch.Add(HostFiles.Write(path, "0600", read));
        await batch.RunCheckedAsync(target, ReadLimit, ct).ConfigureAwait(false);
    }

    private static bool SameName(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
