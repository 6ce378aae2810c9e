using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.MvmCluster;

// Check: what a cluster's inputs must be before anything reaches a host.
public sealed partial class MvmCluster
{
    protected override void Validate(MvmClusterArgs args, CheckContext ctx)
    {
        Names.CheckDnsLabel(ctx, "name", args.Name,
            args.Name == ctx.ResourceName ? " (it defaults to the resource name; set `name` explicitly)" : "");
        ValidateHosts(args, ctx);
        VlanRanges.Check(ctx, "computeVlans", args.ComputeVlans);
        Names.CheckCpuModel(ctx, "cpuModel", args.CpuModel);
        Cidr.Check(ctx, "cephPublicNetwork", args.CephPublicNetwork);
        Cidr.Check(ctx, "cephClusterNetwork", args.CephClusterNetwork);
        ValidatePoolSizes(args, ctx);
        Names.CheckPoolName(ctx, "vmPool", args.VmPool);
        Names.CheckInterfaceName(ctx, "ovsBridge", args.OvsBridge);
        ctx.RequireRange("minimumMemoryGiB", args.MinimumMemoryGiB, 0, 65536);
        ctx.RequireRange("memoryPerOsdGiB", args.MemoryPerOsdGiB, 0, 1024);

        // The rules of the Ceph client, which are what `ceph config set` was seen to take: whatever
        // passes here reaches the monitors (an option name they do not know is refused at apply,
        // before any setting changes).
        foreach (var (key, value) in args.CephConfig ?? [])
        {
            var path = PropertyPath.Field("cephConfig", key);
            if (Ceph.ConfigOptionProblem(key) is { } badKey) ctx.Fail(path, $"{Quoted.Value(key)} {badKey}");
            else if (value is null) ctx.Fail(path,
                "needs a value, e.g. \"5\" or \"true\"; remove the key to return to Ceph's default");
            else if (Ceph.ConfigValueProblem(value) is { } badValue) ctx.Fail(path,
                $"{Quoted.Value(value)} {badValue}");
        }

        if (args.Layout == ClusterLayout.Standard)
        {
            if (args.CephConfig is { Count: > 0 }) ctx.Fail("cephConfig",
                "applies only to layout hci (the standard layout runs no Ceph); remove it or use layout hci");
            foreach (var (field, value) in new[] { ("cephPublicNetwork", args.CephPublicNetwork),
                ("cephClusterNetwork", args.CephClusterNetwork) })
                if (value is not null)
                    ctx.Fail(field, "applies only to layout hci (the standard layout runs no Ceph); remove it or use " +
                        "layout hci");
        }
    }

    private static void ValidateHosts(MvmClusterArgs args, CheckContext ctx)
    {
        var hosts = args.Hosts;
        if (hosts is null) return;

        var minimum = args.Layout switch { ClusterLayout.Hci => HciMinimumHosts, ClusterLayout.Standard => 1, _ => 0 };
        if (hosts.Count < minimum)
            ctx.Fail("hosts", args.Layout == ClusterLayout.Hci
                ? $"layout hci needs at least {HciMinimumHosts} hosts (Ceph keeps its copies on different hosts), " +
                    $"got {hosts.Count}; add hosts or use layout standard"
                : $"layout standard needs at least 1 host, got {hosts.Count}");

        Uniqueness.Check(ctx, "hosts", hosts, "name", h => h.Name, "host name", StringComparer.OrdinalIgnoreCase);
        // Two hosts may share an address only behind different SSH ports (port-forwarded labs).
        Uniqueness.Check(ctx, "hosts", hosts, "address",
            h => h.Address is null ? null : $"{h.Address}{(h.SshPort is { } port ? $":{port}" : "")}",
            "address", StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = hosts[i];
            if (host is null) continue;
            var p = PropertyPath.Index("hosts", i);
            HostChecks.CheckName(ctx, PropertyPath.Field(p, "name"), host.Name);
            HostChecks.Check(ctx, p, host);

            var devices = PropertyPath.Field(p, "dataDevices");
            if (args.Layout == ClusterLayout.Hci && host.DataDevices is null or { Count: 0 } && !ctx.IsUnknown(devices))
                ctx.Fail(devices, "layout hci needs at least one data device per host (each becomes a Ceph OSD), " +
                    "e.g. [\"/dev/vdb\"]");
            if (args.Layout == ClusterLayout.Standard && host.DataDevices is { Count: > 0 })
                ctx.Fail(devices, "layout standard runs no Ceph, so data devices are not used; remove them or use " +
                    "layout hci");
        }
    }

    private static void ValidatePoolSizes(MvmClusterArgs args, CheckContext ctx)
    {
        ctx.RequireRange("defaultPoolSize", args.DefaultPoolSize, 1, 10);
        ctx.RequireRange("defaultPoolMinSize", args.DefaultPoolMinSize, 1, 10);
        if (args.DefaultPoolSize is { } size and >= 1 and <= 10 &&
            args.DefaultPoolMinSize is { } min and >= 1 and <= 10 && min > size)
            ctx.Fail("defaultPoolMinSize", $"must be at most defaultPoolSize ({size}), got {min}");
        if (args.Layout == ClusterLayout.Hci && args.DefaultPoolSize is { } s and >= 1 and <= 10
            && args.Hosts is { } hosts && hosts.Count >= HciMinimumHosts && s > hosts.Count)
            ctx.Fail("defaultPoolSize",
                $"must be at most the number of hosts ({hosts.Count}): Ceph places each copy on a different host, " +
                $"got {s}");
    }
}
