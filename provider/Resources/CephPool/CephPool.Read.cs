using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Tools;

namespace Mvm.Resources.CephPool;

// Read: the pool as the cluster has it, for refresh, import and after each change.
public sealed partial class CephPool
{
    protected override async Task<CephPoolState?> ReadAsync(string id, CephPoolState? state, OperationContext ctx)
    {
        // Import arrives with only the id: the cluster then comes from the provider configuration.
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString;
        if (state is null)
        {
            if (string.IsNullOrEmpty(connectString))
                throw new PreconditionFailedException($"importing CephPool \"{id}\" needs its cluster, and an import " +
                    $"id carries only the pool name: set the provider's importConnectString to the MvmCluster's " +
                    $"connectString (`pulumi config set --secret mvm:importConnectString \"$(pulumi stack output " +
                    $"connectString --show-secrets -s <cluster stack>)\"`), then import again.");
            if (!ConnectString.TryDecode(connectString, out _, out var error))
                throw new PreconditionFailedException($"mvm:importConnectString {error}");
        }
        var (ceph, cluster) = await ConnectAsync(connectString, ctx);
        var pool = await ctx.StepAsync($"read pool {id} in cluster {cluster}", ceph.Host.Name,
            ct => ceph.FindPoolAsync(id, ct), readOnly: true);
        if (pool is null) return null;
        var usage = await ctx.StepAsync($"read usage of pool {id}", ceph.Host.Name,
            ct => ceph.GetPoolQuotaAsync(id, ct), readOnly: true);
        return PoolMapping.ToState(pool, usage, connectString, state?.ForceDestroy, state?.Application);
    }

    /// <summary>Refresh keeps to what the program declared, each with the value the cluster has; import reproduces the
    /// pool.</summary>
    protected override CephPoolArgs InputsOf(CephPoolState state, CephPoolArgs? declared)
    {
        if (declared is null) return PoolMapping.ImportInputs(state);
        var args = new CephPoolArgs();
        foreach (var p in ObjectModel.Of(typeof(CephPoolArgs)).Inputs)
            if (p.Info.GetValue(declared) is not null) p.Info.SetValue(args, p.Info.GetValue(state));
        return args;
    }

    private static async Task<CephPoolState> ReadBackAsync(Ceph ceph, string name, CephPoolArgs args,
        OperationContext ctx)
    {
        var pool = await ctx.StepAsync($"read back pool {name}", ceph.Host.Name, ct => ceph.GetPoolAsync(name, ct),
            readOnly: true);
        var usage = await ctx.StepAsync($"read usage of pool {name}", ceph.Host.Name,
            ct => ceph.GetPoolQuotaAsync(name, ct), readOnly: true);
        return PoolMapping.ToState(pool, usage, args.ConnectString, args.ForceDestroy, args.Application);
    }

    private static async Task<CephPoolState?> TryReadBackAsync(Ceph ceph, string name, CephPoolArgs args,
        OperationContext ctx)
    {
        try
        {
            return await ReadBackAsync(ceph, name, args, ctx);
        }
        catch (Exception)
        {
            return null; // the original failure is the one to report
        }
    }
}
