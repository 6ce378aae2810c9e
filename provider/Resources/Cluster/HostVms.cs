using Mvm.Framework;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

/// <summary>The one check before a host leaves the cluster or the placement pool: it must run no VMs (draining them arrives with issue #5).</summary>
public static class HostVms
{
    public const string LeaveRemedy = "move them to other hosts (or delete them) before removing the host";

    /// <summary>Refuses, naming the VMs, when the host has any; <paramref name="refusal"/> completes "host NAME …".</summary>
    public static async Task RefuseIfAnyAsync(IHost host, string name, OperationContext ctx, string refusal = "still runs VMs", string remedy = LeaveRemedy)
    {
        var vms = await ctx.StepAsync("list VMs", name, ct => new Virsh(host).ListAsync(ct), readOnly: true);
        if (vms.Count > 0)
            throw new PreconditionFailedException($"host {name} {refusal} ({string.Join(", ", vms.Select(v => v.Name))}); {remedy}; nothing was changed");
    }
}
