using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Deleting a cluster: refused while it still carries workloads (unless forceDestroy), then on
/// every host the Ceph daemons stop and the cluster's configuration, libvirt objects and OVS
/// bridge go. Packages stay; data devices are wiped only when asked.
/// </summary>
public static class ClusterTeardown
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(3);

    /// <summary>Pools Ceph or the cluster made for themselves; any other pool is the user's.</summary>
    private static readonly string[] OwnPools = [".mgr", "device_health_metrics"];

    /// <summary>
    /// Deletes the cluster of <paramref name="info"/> whose declared hosts are <paramref name="hosts"/>;
    /// with <paramref name="force"/> even while it holds VMs, images or other pools, with
    /// <paramref name="wipeDataDevices"/> wiping each member's data devices too.
    /// </summary>
    public static async Task RunAsync(ClusterInfo info, IReadOnlyList<MemberHost> hosts, bool force,
        bool wipeDataDevices, IOperationSteps ctx, RemoteHosts connector)
    {
        var conn = new ClusterConnection(info, connector);
        List<ClusterMember> members = hosts.Select(h => new ClusterMember { Host = h, Hostname = h.Name! }).ToList();
        if (info.IsHci)
        {
            try
            {
                members = (await conn.MembersAsync(ctx.CancellationToken)).ToList();
                foreach (var h in hosts.Where(h =>
                    !members.Any(m => m.Name == h.Name))) members.Add(new ClusterMember { Host = h,
                    Hostname = h.Name! });
            }
            catch (ProviderException e)
            {
                await ctx.WarningAsync($"cluster {info.Name}: no host answers for Ceph ({e.Message.Split('\n')[0]}); " +
                    $"removing what is left on the declared hosts");
            }
        }

        if (!force) await RefuseIfInUseAsync(conn, members, info, ctx);

        await Task.WhenAll(members.Select(async m =>
        {
            var host = conn.Connect(m.Host);
            try
            {
                await LeaveAsync(host, m.Name, info, ctx);
                if (info.IsHci)
                    await ctx.StepAsync("remove Ceph", m.Name,
                        ct => RemoveCephAsync(host, wipeDataDevices ? m.Host.Devices() : [], ct));
            }
            catch (StepFailedException e) when (HostOutage.Is(e))
            {
                // Reached only with forceDestroy, or when the host went away after the check above.
                await ctx.WarningAsync($"{m.Name} is unreachable: its Ceph and libvirt configuration stay on it " +
                    $"until it is wiped by hand ({e.Message.Split('\n')[0]})");
            }
        }));
    }

    private static async Task RefuseIfInUseAsync(ClusterConnection conn, IReadOnlyList<ClusterMember> members,
        ClusterInfo info, IOperationSteps ctx)
    {
        var blockers = new List<string>();
        var unknown = new List<string>();
        foreach (var m in members)
        {
            try
            {
                var domains = await ctx.StepAsync("list VMs", m.Name,
                    ct => new Virsh(conn.Connect(m.Host)).ListAsync(ct), readOnly: true);
                if (domains.Count > 0) blockers.Add($"VMs on {m.Name}: " +
                    $"{string.Join(", ", domains.Select(d => d.Name))}");
            }
            // Without virsh the host never got libvirt, so it has no VMs.
            catch (StepFailedException e) when (e.InnerException is ToolMissingException) { }
            // An unreachable host may run VMs: "no answer" is not "no VMs".
            catch (StepFailedException e) when (HostOutage.Is(e))
            {
                unknown.Add($"{m.Name} ({HostOutage.Reason(e)})");
            }
        }
        if (info.IsHci)
        {
            try
            {
                var ceph = await conn.CephAsync(ctx.CancellationToken);
                var pools = await ctx.StepAsync("list pools", ceph.Host.Name, ct => ceph.PoolListAsync(ct),
                    readOnly: true);
                var others = pools.Select(p => p.Name).Where(n => n != info.VmPool && !OwnPools.Contains(n)).ToList();
                if (others.Count > 0) blockers.Add($"pools: {string.Join(", ", others)}");
                if (pools.Any(p => p.Name == info.VmPool))
                {
                    var images = await ctx.StepAsync("list images", ceph.Host.Name,
                        ct => new Rbd(ceph.Host, ClusterConnection.CephContext).ListAsync(info.VmPool, null, ct),
                        readOnly: true);
                    if (images.Images.Count > 0) blockers.Add($"images in {info.VmPool}: " +
                        $"{string.Join(", ", images.Images.Select(i => i.Image))}");
                }
            }
            catch (ProviderException e) when (e is not StepFailedException) { }
        }
        if (blockers.Count > 0)
            throw new PreconditionFailedException($"cluster {info.Name} still holds {string.Join("; ", blockers)}. " +
                $"Delete them first, or set forceDestroy: true to delete the cluster with them (their data is lost).");
        if (unknown.Count > 0)
            throw new PreconditionFailedException($"cluster {info.Name}: whether VMs still run on " +
                $"{string.Join(", ", unknown)} cannot be told, as it could not be reached. " +
                "Bring it back and destroy again, or set forceDestroy: true to delete the cluster anyway (what is on " +
                    "that host stays there). Nothing was changed.");
    }

    /// <summary>
    /// The host's part of the cluster's libvirt and OVS setup: RBD pool, secret, VLAN networks, bridge.
    /// </summary>
    public static Task LeaveAsync(RemoteHost host, string name, ClusterInfo info, IOperationSteps ctx) =>
        ctx.StepAsync("remove libvirt and Open vSwitch setup", name, async ct =>
        {
            var virsh = new Virsh(host);
            if ((await virsh.PoolListAsync(ct)).Contains(info.VmPool))
            {
                await virsh.PoolDestroyAsync(info.VmPool, ct);
                await virsh.PoolUndefineAsync(info.VmPool, ct);
            }
            if (Guid.TryParse(info.LibvirtSecretUuid, out var uuid) && (await virsh.SecretListAsync(ct))
                .Any(s => s.Uuid == uuid))
                await virsh.SecretUndefineAsync(uuid, ct);
            foreach (var net in (await virsh.NetListAsync(ct))
                .Where(n => n.StartsWith("mvm-vlan", StringComparison.Ordinal)))
            {
                await virsh.NetDestroyAsync(net, ct);
                await virsh.NetUndefineAsync(net, ct);
            }
            await new OvsVsctl(host).DeleteBridgeAsync(info.OvsBridge, ifExists: true, T, ct);
            await MigrationTrust.RemoveFromHostAsync(host, info.Name, ct);
        });

    /// <summary>
    /// Stops every Ceph daemon on the host and removes its Ceph state and configuration; wipes the listed devices.
    /// </summary>
    public static async Task RemoveCephAsync(RemoteHost host, IReadOnlyList<string> wipeDevices,
        CancellationToken ct) =>
        await CephHostState.RemoveAll(wipeDevices).RunAsync(host, T, ct);
}
