using System.Net;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>The host's NICs as the cluster will use them, after defaults.</summary>
internal sealed record PreflightNetworkResult(string Management, string Storage, string Compute,
    string? ManagementAddress,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Addresses);

/// <summary>
/// Preflight of the host's network: the management, storage and compute interfaces exist; the
/// management address is static; the compute NIC (which the OVS bridge takes over) is not the one
/// the host is reached on.
/// </summary>
internal static class PreflightNetwork
{
    public static PreflightNetworkResult Check(HostFactsResult facts, MemberHost spec, PreflightRequirements req,
        PreflightFindings found)
    {
        var n = found.Host;
        var ssh = SshAddresses(facts, spec.Address);
        // Loopback never counts: an address on lo means a port-forwarded or local setup, where the
        // NIC cannot be inferred and must be named.
        var holder = facts.Interfaces.FirstOrDefault(i => !IsLoopback(i) && i.Addresses.Any(a => IsOneOf(a, ssh)));
        var sshShown = DescribeSshAddress(facts, spec.Address);

        string management;
        if (spec.ManagementInterface is { } declared)
        {
            management = declared;
            RequireInterface(facts, declared, "managementInterface", found);
        }
        else if (holder is not null)
        {
            management = holder.Name;
        }
        else
        {
            management = "";
            found.Problem($"Host {n}: its SSH address {sshShown} is on none of its interfaces " +
                $"({InterfaceList(facts)}), so its management interface cannot be found " +
                "(it is reached through NAT, port forwarding or a name that resolves elsewhere). Set " +
                    "`managementInterface` to the NIC of its management network.");
        }

        var managementAddress = CheckManagementAddress(facts, management, holder, ssh, found);

        var storage = spec.StorageInterface ?? management;
        if (spec.StorageInterface is { } s) RequireInterface(facts, s, "storageInterface", found);
        if (req.Ceph && storage != management && facts.FindInterface(storage) is { } st)
        {
            var v4 = st.Addresses.Where(a => a.Family == "inet").ToList();
            if (v4.Count == 0)
                found.Problem($"Host {n}: storageInterface {storage} has no IPv4 address, and Ceph replication " +
                    $"traffic needs one. Give it a static address in the cluster network, or leave " +
                    $"`storageInterface` unset to use the management interface.");
            else if (v4.Any(a => a.Dynamic))
                found.Warning($"Host {n}: the address {v4.First(a => a.Dynamic)} on storageInterface {storage} is " +
                    $"assigned by DHCP; Ceph's OSDs bind to it, so configure it statically.");
        }

        var compute = spec.ComputeInterface ?? management;
        if (spec.ComputeInterface is { } c) RequireInterface(facts, c, "computeInterface", found);
        CheckCompute(facts, spec, compute, management, storage, holder, sshShown, found);

        foreach (var (field, iface) in new[] { ("storageInterface", storage), ("computeInterface", compute) })
        {
            if (iface.Length > 0 && iface != management && facts.FindInterface(iface) is { IsUp: false })
                found.Warning($"Host {n}: {field} {iface} is down; bring it up (`ip link set {iface} up`, and in the " +
                    $"host's network configuration) before the cluster uses it.");
        }

        var addresses = facts.Interfaces.Where(i => !IsLoopback(i)).ToDictionary(i => i.Name,
            i => (IReadOnlyList<string>)i.Addresses.Where(a => a.Family == "inet").Select(a => a.ToString()).ToList(),
                StringComparer.Ordinal);
        return new PreflightNetworkResult(management, storage, compute, managementAddress, addresses);
    }

    /// <summary>
    /// The addresses the host is reached at: the address itself, or what the host resolves the name to.
    /// </summary>
    private static HashSet<IPAddress> SshAddresses(HostFactsResult facts, string? address)
    {
        if (string.IsNullOrEmpty(address)) return [];
        if (IPAddress.TryParse(address, out var ip)) return [ip];
        var resolved = facts.ResolvedNames.GetValueOrDefault(address) ?? [];
        return resolved.Select(Parse).OfType<IPAddress>().Where(a => !IPAddress.IsLoopback(a)).ToHashSet();
    }

    private static string DescribeSshAddress(HostFactsResult facts, string? address)
    {
        if (string.IsNullOrEmpty(address) || IPAddress.TryParse(address, out _)) return address ?? "";
        var resolved = facts.ResolvedNames.GetValueOrDefault(address) ?? [];
        return resolved.Count == 0 ? $"{address} (which does not resolve on the host)" :
            $"{address} ({string.Join(", ", resolved)} on the host)";
    }

    private static string? CheckManagementAddress(HostFactsResult facts, string management, NetworkInterface? holder,
        HashSet<IPAddress> ssh, PreflightFindings found)
    {
        var n = found.Host;
        if (facts.FindInterface(management) is not { } iface) return null;
        var v4 = iface.Addresses.Where(a => a.Family == "inet").ToList();
        // The address the host is reached at when it is on this NIC, else every address the NIC has.
        var relevant = iface == holder ? iface.Addresses.Where(a => IsOneOf(a, ssh)).ToList() : v4;
        if (v4.Count == 0)
        {
            found.Problem($"Host {n}: managementInterface {management} has no IPv4 address; Ceph monitors, the " +
                $"cluster's peers and live migration reach the host on it. " +
                "Give it a static address, or set `managementInterface` to the NIC that has one.");
            return null;
        }
        foreach (var dynamic in relevant.Where(a => a.Dynamic))
            found.Problem($"Host {n}: its management address {dynamic} on {management} is assigned by DHCP (iproute2 " +
                $"marks it dynamic: it has a lease lifetime). " +
                "The cluster's monitors and peers are addressed by it, so a new lease would break the cluster: " +
                    "configure the address statically (netplan, /etc/network/interfaces or systemd-networkd) and run " +
                    "again.");
        return (relevant.FirstOrDefault(a => a.Family == "inet") ?? v4[0]).ToString();
    }

    private static void CheckCompute(HostFactsResult facts, MemberHost spec, string compute, string management,
        string storage, NetworkInterface? holder,
        string sshShown, PreflightFindings found)
    {
        var n = found.Host;
        if (compute.Length == 0 || facts.FindInterface(compute) is not { } iface) return;
        var holdsSsh = holder is not null && holder.Name == compute;
        if (holdsSsh || compute == management)
        {
            var why = spec.ComputeInterface is null
                ? $"defaults to the management interface " +
                    $"{management}{(holdsSsh ? $", which holds its SSH address {sshShown}" : "")}"
                : holdsSsh ? $"{compute} holds its SSH address {sshShown}" :
                    $"{compute} is also its management interface";
            var candidate = facts.Interfaces.FirstOrDefault(i =>
                !IsLoopback(i) && i.Name != management && i.Name != storage && i.IsUp
                && !i.Addresses.Any(a => a.Family == "inet"));
            found.Problem($"Host {n}: computeInterface {why}. The Open vSwitch bridge for VM traffic takes the " +
                $"compute NIC over, which would cut the host off from SSH and its cluster peers. " +
                $"Name a separate NIC for VM traffic in " +
                    $"`computeInterface`{(candidate is not null
                        ? $" (e.g. {candidate.Name}, which is up and has no address)"
                        : "")}.");
            return;
        }
        var v4 = iface.Addresses.Where(a => a.Family == "inet").Select(a => a.ToString()).ToList();
        if (v4.Count > 0)
            found.Warning($"Host {n}: computeInterface {compute} holds {string.Join(", ", v4)}; the address moves to " +
                $"the Open vSwitch bridge built on " +
                $"it{(compute == storage ? ", and Ceph replication traffic then passes through the bridge" : "")}.");
    }

    private static void RequireInterface(HostFactsResult facts, string name, string field, PreflightFindings found)
    {
        if (facts.FindInterface(name) is null)
            found.Problem($"Host {found.Host} has no network interface {name} ({field}); its interfaces are " +
                $"{InterfaceList(facts)}. Correct `{field}` for this host.");
    }

    private static string InterfaceList(HostFactsResult facts)
    {
        var names = facts.Interfaces.Where(i => !IsLoopback(i)).Select(i =>
        {
            var v4 = i.Addresses.Where(a => a.Family == "inet").Select(a => a.ToString()).ToList();
            return v4.Count > 0 ? $"{i.Name} {string.Join(" ", v4)}" : i.Name;
        }).ToList();
        return names.Count > 0 ? string.Join(", ", names) : "none but loopback";
    }

    private static bool IsLoopback(NetworkInterface i) => i.Flags.Contains("LOOPBACK");

    private static bool IsOneOf(InterfaceAddress a, HashSet<IPAddress> set) =>
        Parse(a.Address) is { } ip && set.Contains(ip);

    private static IPAddress? Parse(string address) => IPAddress.TryParse(address, out var ip) ? ip : null;
}
