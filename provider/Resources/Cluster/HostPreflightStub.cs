// TEMPORARY: replaced by helper/preflight's HostPreflight.cs at merge.
using System.Text.Json;
using Mvm.Resources.Shared;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

public sealed record PreflightRequirements(int MinimumMemoryGiB, int MemoryPerOsdGiB, Mvm.Resources.DomainType DomainType, bool Ceph, string? ExistingFsid = null);
public sealed record HostReport(
    string Name, string Hostname, string OsId, string OsVersion, long MemoryBytes, int Cpus, bool HasVirtualizationFlags, bool HasDevKvm,
    string ManagementInterface, string StorageInterface, string ComputeInterface,
    IReadOnlyDictionary<string, IReadOnlyList<string>> InterfaceAddresses,
    IReadOnlyDictionary<string, string> ResolvedDevices,
    IReadOnlyDictionary<string, int> ExistingOsds,
    IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings);

public static class HostPreflight
{
    public static async Task<HostReport> InspectAsync(IHost host, ClusterHost spec, PreflightRequirements req, CancellationToken ct)
    {
        var hn = (await host.RunAsync(["hostname", "-s"], null, TimeSpan.FromSeconds(30), ct)).StdoutText.Trim();
        var ip = (await host.RunAsync(["ip", "-j", "-4", "addr"], null, TimeSpan.FromSeconds(30), ct)).StdoutText;
        var addrs = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var e in JsonDocument.Parse(ip).RootElement.EnumerateArray())
            addrs[e.GetProperty("ifname").GetString()!] = e.GetProperty("addr_info").EnumerateArray().Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").ToList();
        var devs = new Dictionary<string, string>();
        foreach (var d in spec.DataDevices ?? []) if (d is not null) devs[d] = (await host.RunAsync(["readlink", "-e", d], null, TimeSpan.FromSeconds(30), ct)).StdoutText.Trim();
        var mgmt = spec.ManagementInterface ?? "eth0";
        return new HostReport(spec.Name!, hn, "debian", "12", 0, 0, false, false, mgmt, spec.StorageInterface ?? mgmt, spec.ComputeInterface ?? mgmt,
            addrs, devs, new Dictionary<string, int>(), [], []);
    }

    public static string Describe(IReadOnlyList<HostReport> reports) => string.Join("\n", reports.SelectMany(r => r.Problems));
}
