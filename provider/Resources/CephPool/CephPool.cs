using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.CephPool;

[ResourceType("CephPool", """
A Ceph pool in an MvmCluster. Size, min_size, pg_num, autoscale mode, application and quotas are
changed in place with `ceph osd pool set`; refresh reports drift made by hand. Deleting refuses
while the pool holds data unless `forceDestroy` is set, and never leaves `mon_allow_pool_delete`
switched on.
""")]
public sealed partial class CephPool : Resource<CephPoolArgs, CephPoolState>
{
    public const int MaxPgNum = 32768;

    // The pool name is its identity: a replacement must delete the old pool before creating the new one.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName)
    {
        news = Defaults.NameFromResource(news, resourceName);
        if (Defaults.IsAbsent(news["autoscale"]))
        {
            var pgNum = news["pgNum"];
            if (Defaults.IsAbsent(pgNum)) news = news.With("autoscale", PropertyValue.Of("on"));
            else if (!pgNum!.Unsecret().IsComputed) news = news.With("autoscale", PropertyValue.Of("off"));
        }
        return news;
    }

    private static async Task<(Ceph Ceph, string Cluster)> ConnectAsync(string? connectString, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(connectString, ctx.RemoteHosts());
        var ceph = await ctx.StepAsync($"reach the Ceph cluster {conn.Info.Name}", null, ct => conn.CephAsync(ct),
            readOnly: true);
        return (ceph, conn.Info.Name);
    }

    /// <summary>Sets what differs from the declared settings, one named step per setting.</summary>
    private static async Task ApplyAsync(Ceph ceph, string name, string cluster, CephPoolArgs desired,
        OperationContext ctx)
    {
        var actual = await ctx.StepAsync($"read pool {name} in cluster {cluster}", ceph.Host.Name,
            ct => ceph.FindPoolAsync(name, ct), readOnly: true)
            ?? throw new PreconditionFailedException($"pool \"{name}\" no longer exists in cluster {cluster}: run " +
                $"`pulumi refresh` to drop it from state, then `pulumi up` to create it again.");
        foreach (var change in PoolChanges.Plan(desired, actual))
            await ctx.StepAsync($"set {change} on pool {name}", ceph.Host.Name,
                ct => PoolChanges.ApplyAsync(ceph, name, change, ct));
    }
}
