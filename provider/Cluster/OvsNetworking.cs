using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// The VM bridge on a host's compute interface and one libvirt network per compute VLAN
/// (`mvm-vlanN`, port group `vlanN` tagging N), so a VM NIC on any host lands on the same VLAN.
/// </summary>
public static class OvsNetworking
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    public static string DefaultPortGroup(int vlanId) => $"vlan{vlanId}";

    public static Task EnsureBridgeAsync(ClusterNode node, ClusterInfo info, IOperationSteps ctx) =>
        ctx.StepAsync($"create Open vSwitch bridge {info.OvsBridge}", node.Name, async ct =>
        {
            var ovs = new OvsVsctl(node.Host);
            if (!await ovs.BridgeExistsAsync(info.OvsBridge, T, ct).ConfigureAwait(false))
                await ovs.AddBridgeAsync(info.OvsBridge,
                    info.Settings.OvsDatapath == OvsDatapath.Netdev ? "netdev" : null, T, ct,
                    new Dictionary<string, string> { ["mvm-cluster"] = info.Name }).ConfigureAwait(false);
            var uplink = node.Report.ComputeInterface;
            if (!(await ovs.ListPortsAsync(info.OvsBridge, T, ct).ConfigureAwait(false)).Contains(uplink))
                await ovs.AddPortAsync(info.OvsBridge, uplink, new OvsPortSettings(), T, ct).ConfigureAwait(false);
            await IpLinkCalls.SetUp(uplink).RunAsync(node.Host, T, ct).ConfigureAwait(false);
            await IpLinkCalls.SetUp(info.OvsBridge).RunAsync(node.Host, T, ct).ConfigureAwait(false);
        });

    /// <summary>
    /// Defines, starts and autostarts the networks of <paramref name="vlanIds"/> that the host lacks.
    /// </summary>
    public static Task EnsureVlanNetworksAsync(ClusterNode node, ClusterInfo info, IReadOnlyCollection<int> vlanIds,
        IOperationSteps ctx) =>
        ctx.StepAsync("define VLAN networks", node.Name, async ct =>
        {
            var virsh = new Virsh(node.Host);
            var existing = await virsh.NetListAsync(ct).ConfigureAwait(false);
            foreach (var id in vlanIds)
            {
                var name = ClusterNames.VlanNetwork(id);
                if (!existing.Contains(name))
                    await virsh.NetDefineAsync(NetworkXml.FromSpec(new OvsNetworkSpec(name, info.OvsBridge,
                        [new PortGroupSpec(DefaultPortGroup(id), id, IsDefault: true)])), ct: ct).ConfigureAwait(false);
                await virsh.NetStartAsync(name, ct).ConfigureAwait(false);
                await virsh.NetAutostartAsync(name, true, ct).ConfigureAwait(false);
            }
        });

    /// <summary>
    /// Defines on <paramref name="node"/> every VLAN network <paramref name="source"/> has and it lacks, from the
    /// source's own definition.
    /// </summary>
    public static Task CopyVlanNetworksAsync(RemoteHost source, ClusterNode node, IOperationSteps ctx) =>
        ctx.StepAsync("copy VLAN networks", node.Name, async ct =>
        {
            var from = new Virsh(source);
            var to = new Virsh(node.Host);
            var have = await to.NetListAsync(ct).ConfigureAwait(false);
            foreach (var name in (await from.NetListAsync(ct).ConfigureAwait(false))
                .Where(n => n.StartsWith("mvm-vlan", StringComparison.Ordinal) && !have.Contains(n)))
            {
                var xml = await from.NetDumpXmlAsync(name, inactive: true, ct).ConfigureAwait(false);
                await to.NetDefineAsync(xml, ct: ct).ConfigureAwait(false);
                await to.NetStartAsync(name, ct).ConfigureAwait(false);
                await to.NetAutostartAsync(name, true, ct).ConfigureAwait(false);
            }
        });

    /// <summary>
    /// Removes the networks of VLANs no longer listed (VMs still attached keep them: libvirt refuses, and the error
    /// says so).
    /// </summary>
    public static Task RemoveVlanNetworksAsync(ClusterNode node, IReadOnlyCollection<int> vlanIds,
        IOperationSteps ctx) =>
        ctx.StepAsync("remove VLAN networks", node.Name, async ct =>
        {
            var virsh = new Virsh(node.Host);
            var existing = await virsh.NetListAsync(ct).ConfigureAwait(false);
            foreach (var id in vlanIds)
            {
                var name = ClusterNames.VlanNetwork(id);
                if (!existing.Contains(name)) continue;
                await virsh.NetDestroyAsync(name, ct).ConfigureAwait(false);
                await virsh.NetUndefineAsync(name, ct).ConfigureAwait(false);
            }
        });
}
