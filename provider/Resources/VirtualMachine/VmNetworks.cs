using System.Globalization;
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// The cluster's VLAN networks as one host offers them: `mvm-vlanN` libvirt networks, each with
/// one port group (`vlanN`, or an OvsVlan's name). A NIC's `vlan` is either the id or that name.
/// </summary>
public sealed class VmNetworks(IReadOnlyDictionary<string, (int VlanId, string PortGroup)> networks)
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(1);

    public static async Task<VmNetworks> ReadAsync(RemoteHost host, CancellationToken ct)
    {
        var names = (await new Virsh(host).NetListAsync(ct).ConfigureAwait(false))
            .Where(n => n.StartsWith("mvm-vlan", StringComparison.Ordinal)).ToList();
        var batch = new ToolBatch(stopOnFailure: false);
        var xmls = names.Select(n => (n, batch.Add(VirshCalls.NetDumpXml(n)))).ToList();
        if (batch.Count > 0) await batch.RunAsync(host, T, ct).ConfigureAwait(false);
        var map = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
        foreach (var (name, xml) in xmls)
        {
            if (xml.Value?.PortGroups.FirstOrDefault() is not { VlanTag: { } tag } pg) continue;
            map[name] = (tag, pg.Name);
        }
        return new VmNetworks(map);
    }

    /// <summary>The libvirt network a NIC's `vlan` means on this host, or null with nothing there.</summary>
    public string? Resolve(string vlan)
    {
        if (vlan.All(char.IsAsciiDigit) && int.TryParse(vlan, NumberStyles.None, CultureInfo.InvariantCulture,
            out var id))
            return networks.ContainsKey(ClusterNames.VlanNetwork(id)) ? ClusterNames.VlanNetwork(id) : null;
        return networks.FirstOrDefault(kv => kv.Value.PortGroup == vlan).Key;
    }

    public int? VlanIdOf(string network) => networks.TryGetValue(network, out var v) ? v.VlanId : null;

    /// <summary>How a NIC on <paramref name="network"/> is written in `vlan`: the form the user chose when it still
    /// means the same network.</summary>
    public string ReferenceOf(string network, string? declared)
    {
        if (declared is not null && Resolve(declared) == network) return declared;
        if (!networks.TryGetValue(network, out var v)) return network;
        return v.PortGroup == OvsNetworking.DefaultPortGroup(v.VlanId)
            ? v.VlanId.ToString(CultureInfo.InvariantCulture)
            : v.PortGroup;
    }

    /// <summary>Resolves every NIC; refuses, naming each unknown VLAN and what the host has, before any
    /// change.</summary>
    public IReadOnlyList<VmNicLayout> Layout(string host, IReadOnlyList<VmNetworkInterface> nics)
    {
        var missing = nics.Where(n => Resolve(n.Vlan!) is null).Select(n => $"{n.Name}: vlan \"{n.Vlan}\"").ToList();
        if (missing.Count > 0)
            throw new PreconditionFailedException($"host {host} has no network for {string.Join(", ", missing)}; it " +
                $"offers " +
                (networks.Count == 0 ? "none" : string.Join(", ",
                    networks.Select(kv => $"VLAN {kv.Value.VlanId} (port group {kv.Value.PortGroup})"))) +
                ". Add the VLAN to the cluster's computeVlans or declare an OvsVlan; nothing was changed");
        return nics.Select(n => new VmNicLayout(n.Name!, Resolve(n.Vlan!)!,
            MacAddress.Normalize(n.Mac) ?? VmLayout.NewMac(), ModelOf(n.Model))).ToList();
    }

    public static NicModel ModelFrom(string? model) => model switch
    {
        "e1000e" => NicModel.E1000e,
        "e1000" => NicModel.E1000,
        "rtl8139" => NicModel.Rtl8139,
        _ => NicModel.Virtio,
    };

    public static string ModelOf(NicModel? model) => model switch
    {
        NicModel.E1000e => "e1000e",
        NicModel.E1000 => "e1000",
        NicModel.Rtl8139 => "rtl8139",
        _ => "virtio",
    };
}
