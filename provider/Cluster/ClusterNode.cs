using System.Net;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// One host while the cluster works on it: the declared fields, the connection, and what the
/// preflight found (hostname, interfaces, resolved data devices).
/// </summary>
public sealed class ClusterNode(MemberHost spec, RemoteHost host, HostReport report)
{
    public MemberHost Spec { get; } = spec;
    public RemoteHost Host { get; } = host;
    public HostReport Report { get; } = report;
    public string Name => Spec.Name!;
    public string Hostname => Report.Hostname;

    /// <summary>The host's IPv4 address inside <paramref name="network"/>, or null when it has none there.</summary>
    public string? AddressIn(IPNetwork network) =>
        Report.InterfaceAddresses.Values.SelectMany(a => a)
            .Select(cidr => IPAddress.Parse(cidr.Split('/')[0]))
            .FirstOrDefault(network.Contains)?.ToString();

    /// <summary>The network (CIDR) of the management address, the default Ceph public network.</summary>
    public string? ManagementNetwork()
    {
        if (Report.ManagementAddress is { } known) return NetworkOf(known);
        if (!Report.InterfaceAddresses.TryGetValue(Report.ManagementInterface, out var addrs)) return null;
        var cidr = addrs.FirstOrDefault(a => a.Split('/')[0] == Spec.Address) ?? addrs.FirstOrDefault();
        return cidr is null ? null : NetworkOf(cidr);
    }

    /// <summary>`10.20.0.11/24` → `10.20.0.0/24`.</summary>
    public static string NetworkOf(string cidr)
    {
        var parts = cidr.Split('/');
        var bytes = IPAddress.Parse(parts[0]).GetAddressBytes();
        var prefix = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return $"{new IPAddress(bytes)}/{prefix}";
    }
}
