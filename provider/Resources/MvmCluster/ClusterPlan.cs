using Mvm.Cluster;

namespace Mvm.Resources.MvmCluster;

/// <summary>
/// The steps an `up` of an MvmCluster will take, in words, worked out offline from the old state
/// and the new inputs: what preview prints under the resource.
/// </summary>
public static class ClusterPlan
{
    public static IReadOnlyList<string> Describe(MvmClusterState? olds, MvmClusterArgs news)
    {
        var hosts = MvmCluster.Declared(news);
        var hci = news.Layout != ClusterLayout.Standard;
        var steps = new List<string>();
        if (olds is null)
        {
            steps.Add($"check {hosts.Count} host(s) before any change: OS, CPU, memory, data devices, NICs");
            steps.Add("install " + (hci ? "QEMU/libvirt, Open vSwitch and Ceph" : "QEMU/libvirt and Open vSwitch") +
                " on " + Names(hosts));
            if (hci)
            {
                var mons = hosts.Take(ClusterProvisioner.MaxMonitors).ToList();
                steps.Add($"Ceph: monitors and managers on {Names(mons)}; one OSD per data device: " +
                    string.Join(", ", hosts.SelectMany(h => (h.DataDevices ?? []).Select(d => $"{h.Name} {d}"))));
                steps.Add($"RBD pool {news.VmPool ?? ClusterSettings.DefaultVmPool} (size " +
                    $"{news.DefaultPoolSize ?? 3}) with a libvirt secret and storage pool on every host");
            }
            steps.Add(BridgeStep(news, hosts));
            if (hci) steps.Add("wait for HEALTH_OK with every PG active+clean");
            return steps;
        }

        var oldHosts = MvmCluster.Declared(olds);
        foreach (var h in hosts.Where(h => !oldHosts.Any(o => Same(o, h))))
            steps.Add($"add host {h.Name} ({h.Address}): check, install, join" +
                (hci && h.DataDevices is { Count: > 0 } d ? $", OSDs on {string.Join(", ", d)}" : "") +
                    ", OVS bridge and VLAN networks, libvirt secret and pool");
        var removedOsds = new List<int>();
        var placements = new Dictionary<int, OsdPlacement>();
        foreach (var h in hosts)
        {
            var old = oldHosts.FirstOrDefault(o => Same(o, h));
            if (old is null) continue;
            foreach (var dev in (h.DataDevices ?? []).Except(old.DataDevices ?? []))
                steps.Add($"{h.Name}: new OSD on {dev}");
            foreach (var dev in (old.DataDevices ?? []).Except(h.DataDevices ?? []))
            {
                if ((olds.Osds ?? []).FirstOrDefault(o => o.Host == h.Name && o.Device == dev)?.Id is { } id)
                {
                    removedOsds.Add(id);
                    placements[id] = new OsdPlacement(h.Name!, dev);
                }
                else steps.Add($"{h.Name}: remove the OSD on {dev} (its id is read from the host)");
            }
        }
        if (removedOsds.Count > 0) steps.AddRange(RemovalPlan.Describe(new RemovalRequest(removedOsds, null, null),
            placements));
        foreach (var h in oldHosts.Where(o => !hosts.Any(n => Same(o, n))))
        {
            if (!hci)
            {
                steps.Add($"remove host {h.Name}: live-migrate its running VMs and move its shut-off ones to other " +
                    $"hosts in service with room (refused before any change, listing each VM and why, when one is " +
                    $"pinned, has local disks or fits nowhere); its VLAN networks and OVS bridge are removed");
                continue;
            }
            var ids = new List<int>();
            foreach (var o in (olds.Osds ?? [])
                .Where(o => string.Equals(o.Host, h.Name, StringComparison.OrdinalIgnoreCase) && o.Id is not null))
            {
                ids.Add(o.Id!.Value);
                placements[o.Id.Value] = new OsdPlacement(h.Name!, o.Device);
            }
            var mon = (olds.Monitors ?? []).Any(m => m.Name == h.Name) ? h.Name : null;
            steps.Add($"{h.Name}: live-migrate its running VMs and move its shut-off ones to other hosts in service " +
                $"with room (refused before any change, listing each VM and why, when one is pinned, has local disks " +
                $"or fits nowhere)");
            steps.Add($"decommission host {h.Name}, one OSD at a time:");
            var departing = (olds.Monitors ?? []).Where(m => m.Name is not null && !hosts.Any(n => n.Name == m.Name))
                .Select(m => m.Name!).ToList();
            if (mon is not null && MonitorPlan.Replacement((olds.Monitors ?? []).Select(m => m.Name ?? "").ToList(),
                mon, departing,
                    hosts.Select(n => n.Name!).ToList()) is { } replacement)
                steps.Add($"before its monitor goes: a replacement monitor and manager on {replacement}, in quorum " +
                    $"before {mon}'s monitor is removed; mon_host in every member's ceph.conf follows");
            steps.AddRange(RemovalPlan.Describe(new RemovalRequest(ids, h.Name, mon), placements));
            steps.Add($"{h.Name}: remove its libvirt secret, pool and VLAN networks, its OVS bridge and Ceph " +
                $"configuration; it leaves the member list");
        }
        var added = MvmCluster.VlanIds(news.ComputeVlans).Except(MvmCluster.VlanIds(olds.ComputeVlans)).ToList();
        var dropped = MvmCluster.VlanIds(olds.ComputeVlans).Except(MvmCluster.VlanIds(news.ComputeVlans)).ToList();
        if (added.Count > 0) steps.Add($"VLAN networks added on every host: {string.Join(", ", added)}");
        if (dropped.Count > 0) steps.Add($"VLAN networks removed from every host: {string.Join(", ", dropped)}");
        if (steps.Count > 0 && hci) steps.Add("wait for HEALTH_OK with every PG active+clean");
        return steps;
    }

    private static string BridgeStep(MvmClusterArgs news, IReadOnlyList<MemberHost> hosts)
    {
        var vlans = news.ComputeVlans is { Count: > 0 } v ? "; VLAN networks " + string.Join(", ", v) : "";
        return $"Open vSwitch bridge {news.OvsBridge ?? ClusterSettings.DefaultBridge} on " +
               string.Join(", ", hosts.Select(h =>
                   $"{h.Name} {h.ComputeInterface ?? h.ManagementInterface ?? "(management NIC)"}")) + vlans;
    }

    private static string Names(IEnumerable<MemberHost> hosts) => string.Join(", ", hosts.Select(h => h.Name));

    private static bool Same(MemberHost a, MemberHost b) => MvmCluster.SameHost(a, b);
}
