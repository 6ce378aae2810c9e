using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.VirtualMachine;

// A host change: a live migration (or a move of the definition when the VM is off).
public sealed partial class VirtualMachine
{
    /// <summary>Moves the VM to <paramref name="target"/>: live when it runs, its definition when it is off; refused
    /// before the move when the target cannot take it.</summary>
    private static async Task<FoundVm> MigrateAsync(ClusterConnection conn, FoundVm found, string target,
        VirtualMachineArgs a, OperationContext ctx)
    {
        var (member, host) = await VmHosts.ChooseAsync(conn, target, found.Config.MemoryKiB, ctx);
        var vm = VmOnHost.Of(found.Xml);
        if (vm.LocalDisks.Count > 0)
            throw new PreconditionFailedException($"VM {vm.Name} cannot move to {member.Name}: it has disks on " +
                $"{found.Member.Name}'s local storage ({string.Join(", ", vm.LocalDisks)}); nothing was changed");
        await MigrationTrust.EnsureAsync(conn.Info, [(found.Member.Host, found.Host), (member.Host, host)], ctx);
        await ctx.StatusAsync($"{(vm.Running ? "live-migrating" : "moving shut-off")} VM {vm.Name} from " +
            $"{found.Member.Name} to {member.Name}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ctx.StepAsync(vm.Running ? "live-migrate VM" : "move VM definition", found.Member.Name,
            ct => HostDrain.MoveAsync(found.Host, found.Member.Name, member.Host, host, vm, ct));
        // The placement metadata follows the declared host, so a pinned VM is pinned where it now is.
        await ctx.InfoAsync($"VM {vm.Name} {(vm.Running ? "live-migrated" : "moved")} from {found.Member.Name} to " +
            $"{member.Name} in {clock.Elapsed.TotalSeconds:0.0} s");
        return await VmHosts.FindAsync(conn, found.Xml.Uuid!.Value.ToString(), member.Name, ctx)
            ?? throw new ProviderException($"VM {vm.Name} is not on {member.Name} after its migration");
    }
}
