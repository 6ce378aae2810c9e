using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.OvsVlan;

/// <summary>
/// Reads a VLAN on one host in at most two round trips: the bridge, the network and the domain
/// list together, then the definitions of all domains (live and persistent) together.
/// </summary>
public static class VlanReader
{
    public static async Task<VlanOnHost> ReadAsync(RemoteHost host, int vlanId, string bridge, TimeSpan timeout,
        CancellationToken ct)
    {
        var network = ClusterNames.VlanNetwork(vlanId);
        var first = new ToolBatch(stopOnFailure: false);
        var br = first.Add(OvsVsctl.FindBridge(bridge, timeout));
        var xml = first.Add(VirshCalls.NetDumpXml(network, inactive: true));
        var live = first.Add(VirshCalls.NetDumpXml(network));
        var info = first.Add(VirshCalls.NetInfo(network));
        var domains = first.Add(VirshCalls.List());
        await first.RunAsync(host, timeout, ct).ConfigureAwait(false);

        var users = new List<string>();
        if (domains.Value.Count > 0)
        {
            var second = new ToolBatch(stopOnFailure: false);
            // Live and persistent: a NIC hot-plugged without --config, or added for the next boot only, still ties a VM
            // to the network.
            var defs = domains.Value.Select(d => (d.Name, Live: second.Add(VirshCalls.DumpXml(d.Name)),
                Config: second.Add(VirshCalls.DumpXml(d.Name, inactive: true)))).ToList();
            await second.RunAsync(host, timeout, ct).ConfigureAwait(false);
            foreach (var (name, liveDef, configDef) in defs)
                if (UsesNetwork(liveDef.Value, network) || UsesNetwork(configDef.Value, network)) users.Add(name);
        }
        return new VlanOnHost(host.Name, br.Value, xml.Value, live.Value, info.Value, users);
    }

    public static bool UsesNetwork(DomainXml? domain, string network) =>
        domain is not null && domain.Interfaces.Any(i => i.Type == "network" && i.Network == network);
}
