using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Tools;

namespace Mvm.Resources.OvsVlan;

// The convergence Create and Update share: one batch per host, every host at once.
public sealed partial class OvsVlan
{
    private static async Task<bool> RunPlanAsync(ClusterConnection conn, ClusterMember member, string step,
        IReadOnlyList<ToolCall<bool>> plan, OperationContext ctx)
    {
        // A host already as it should be costs nothing more than its read.
        if (plan.Count == 0) return false;
        await ctx.StepAsync(step, member.Name, async ct =>
        {
            var batch = new ToolBatch();
            foreach (var call in plan) batch.Add(call);
            await batch.RunCheckedAsync(conn.Connect(member.Host), HostTimeout, ct);
        });
        return true;
    }

    /// <summary>
    /// Brings every host to the target at once. A host without the cluster's bridge fails the
    /// whole operation before anything changes; a host failing later leaves the others done, and
    /// the resource lands in state with them so the next `up` finishes the rest.
    /// </summary>
    private static async Task EnsureAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members,
        IReadOnlyList<VlanOnHost> views, VlanTarget target, string id, OvsVlanArgs args, OperationContext ctx,
        string? previousBridge = null)
    {
        var plans = new Dictionary<string, IReadOnlyList<ToolCall<bool>>>(StringComparer.Ordinal);
        var refused = new List<string>();
        foreach (var v in views)
        {
            try
            {
                var plan = VlanPlan.Ensure(v, target, HostTimeout).ToList();
                if (previousBridge is not null && previousBridge != target.Bridge)
                    plan.Add(OvsVsctl.RemoveBridgeExternalIds(previousBridge, [target.ExternalIdKey],
                        HostTimeout));
                plans[v.Host] = plan;
            }
            catch (ProviderException e)
            {
                refused.Add(e.Message);
            }
        }
        if (refused.Count > 0)
            throw new PreconditionFailedException(string.Join(" ", refused) + " Nothing was changed.");

        var byHost = members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var outcomes = await HostFanOut.SettleAsync(views, v => v.Host, v =>
            RunPlanAsync(conn, byHost[v.Host], $"set up VLAN {target.VlanId} ({target.PortGroup})", plans[v.Host],
                ctx));
        var failed = outcomes.Where(o => o.Failed).ToList();
        if (failed.Count == 0) return;
        var state = await TryReadBackAsync(conn, members, target, args, ctx);
        if (state is null) HostFanOut.ThrowIfAnyFailed(outcomes);
        throw new ResourceInitFailedException(id, state!, [HostFanOut.Describe(failed),
            "run `pulumi up` again to finish the other hosts once the cause is fixed"]);
    }
}
