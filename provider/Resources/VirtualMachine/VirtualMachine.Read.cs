using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

// Read follows the domain by UUID to whichever host it runs on, and fills the state from it.
public sealed partial class VirtualMachine
{
    protected override async Task<VirtualMachineState?> ReadAsync(string id, VirtualMachineState? state,
        OperationContext ctx)
    {
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString
            ?? throw new PreconditionFailedException($"importing VirtualMachine \"{id}\" needs its cluster: set the " +
                $"provider's importConnectString to the MvmCluster's connectString " +
                "(`pulumi config set --secret mvm:importConnectString …`), " +
                "then import again by the domain's name or UUID.");
        var conn = ClusterConnection.Open(connectString, ctx.RemoteHosts());
        var s = state ?? new VirtualMachineState { ConnectString = connectString };
        return await ReadIntoAsync(s, conn, id, ctx) ? s : null;
    }

    /// <summary>
    /// Finds the domain and fills the state from it; false only when every member answered and none
    /// has it (a member that could not be asked makes it throw: see <see cref="VmHosts.FindAsync"/>).
    /// <paramref name="known"/>: a host's VLAN networks this operation has already read (a create
    /// reads them to lay out the NICs), used when the domain is found there. <paramref name="askGuest"/>:
    /// false right after a start, when no guest agent can be up yet (the next refresh reads the addresses).
    /// </summary>
    internal static async Task<bool> ReadIntoAsync(VirtualMachineState s, ClusterConnection conn, string id,
        OperationContext ctx,
        (string Host, VmNetworks Networks)? known = null, bool askGuest = true)
    {
        var found = await VmHosts.FindAsync(conn, id, s.CurrentHost, ctx);
        if (found is null) return false;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var rbd = new Rbd(found.Host, ClusterConnection.CephContext);
        var pools = found.Xml.Disks.Select(d => VmState.SplitRbd(d.SourceName).Pool).Where(p => p is not null)
            .Distinct();
        foreach (var pool in pools)
        {
            var listing = await ctx.StepAsync("read disk sizes", found.Member.Name,
                ct => rbd.ListAsync(pool!, null, ct), readOnly: true);
            foreach (var i in listing.Images) sizes[$"{pool}/{i.Image}"] = i.SizeBytes;
        }
        var networks = known is { } k && string.Equals(k.Host, found.Member.Name,
            StringComparison.OrdinalIgnoreCase) ? k.Networks
            : await ctx.StepAsync("read VLAN networks", found.Member.Name, ct => VmNetworks.ReadAsync(found.Host, ct),
                readOnly: true);
        VmState.Fill(s, found, sizes, networks, conn.Info.VmPool);
        s.IpAddresses = found.Xml.Id is null || !askGuest ? null : await GuestAddressesAsync(found, ctx);
        return true;
    }

    /// <summary>The guest's own addresses through its agent; null (unknown) while the agent does not answer.</summary>
    private static async Task<List<string>?> GuestAddressesAsync(FoundVm found, OperationContext ctx)
    {
        try
        {
            var nics = await ctx.StepAsync("read guest addresses", found.Member.Name,
                ct => new Virsh(found.Host).GuestInterfacesAsync(found.Xml.Name, ct), readOnly: true);
            return nics.Where(n => n.Name != "lo").SelectMany(n => n.Addresses).Select(a => a.Address)
                .Where(a => !a.StartsWith("fe80:", StringComparison.OrdinalIgnoreCase)).ToList();
        }
        catch (StepFailedException e) when (e.InnerException is GuestAgentUnavailableException)
        {
            return null;
        }
    }
}
