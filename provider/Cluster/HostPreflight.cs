using System.Net;
using System.Text;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>What a host must offer to join a cluster (from MvmCluster's or MvmHost's settings).</summary>
/// <param name="ExistingFsid">The cluster's fsid when some hosts may already carry its OSDs (a re-run after a partial
/// create, or a join): devices that are BlueStore OSDs of it are reported, not refused.</param>
public sealed record PreflightRequirements(int MinimumMemoryGiB, int MemoryPerOsdGiB, DomainType DomainType, bool Ceph,
    string? ExistingFsid = null);

/// <summary>What preflight found on one host. Empty <see cref="Problems"/> means the host is fit.</summary>
public sealed record HostReport(
    string Name,
    string Hostname,
    string OsId,
    string OsVersion,
    long MemoryBytes,
    int Cpus,
    bool HasVirtualizationFlags,
    bool HasDevKvm,
    string ManagementInterface,
    string StorageInterface,
    string ComputeInterface,
    IReadOnlyDictionary<string, IReadOnlyList<string>> InterfaceAddresses,
    IReadOnlyDictionary<string, string> ResolvedDevices,
    IReadOnlyDictionary<string, int> ExistingOsds,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Warnings)
{
    public bool IsFit => Problems.Count == 0;

    /// <summary>The management interface's IPv4 address in CIDR form (e.g. `10.20.0.11/24`), when it has one.</summary>
    public string? ManagementAddress { get; init; }
}

/// <summary>
/// Inspects one host, read-only, for what it must be before it becomes a cluster host: supported
/// OS and CPU, virtualisation, memory for its OSDs, unused data disks and the right NICs with a
/// static management address. The caller inspects every host and stops before its first change
/// when any host (or the set of hosts, <see cref="CrossHostProblems"/>) has a problem, so a bad
/// host never leaves the others half-built.
/// </summary>
public static class HostPreflight
{
    /// <summary>The facts script reads /proc, lsblk, ip and probes a few disks: seconds, even on a slow host.</summary>
    public static TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One round trip reads everything (<see cref="HostFacts"/>); a second one runs only when a data
    /// device carries a BlueStore label, to ask ceph-volume which cluster it belongs to. Transport
    /// failures (host unreachable, sudo refused) are thrown, not reported.
    /// </summary>
    public static async Task<HostReport> InspectAsync(RemoteHost host, MemberHost spec, PreflightRequirements req,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(req);
        var name = spec.Name ?? host.Name;
        var declared = req.Ceph ? (spec.DataDevices ?? []).OfType<string>().Distinct(StringComparer.Ordinal)
            .ToList() : [];
        var address = spec.Address ?? "";
        var request = new HostFactsRequest
        {
            Devices = declared.Where(PreflightDevices.IsDevicePath).ToList(),
            // An IP address needs no resolving; a name is resolved where the host's own traffic is.
            Names = address.Length == 0 || IPAddress.TryParse(address, out _) ? [] : [address],
        };
        var facts = await new HostFacts(host).GatherAsync(request, ReadTimeout, ct).ConfigureAwait(false);

        var found = new PreflightFindings(name);
        PreflightMachine.Check(facts, req, declared.Count, found);
        var net = PreflightNetwork.Check(facts, spec, req, found);
        var disks = await PreflightDevices.CheckAsync(host, facts, declared, req, found, ct).ConfigureAwait(false);

        return new HostReport(name, facts.ShortHostname, facts.Os.Id, facts.Os.VersionId, facts.Memory.TotalBytes,
            facts.Cpu.LogicalCpus,
            facts.Cpu.HardwareVirtualization, facts.KvmDevice, net.Management, net.Storage, net.Compute, net.Addresses,
            disks.Resolved, disks.ExistingOsds, found.Problems, found.Warnings)
        {
            ManagementAddress = net.ManagementAddress,
        };
    }

    /// <summary>
    /// Problems no single host shows: two hosts with the same short hostname (Ceph names its CRUSH
    /// host bucket and daemons after it, so their OSDs would merge into one host), or the same
    /// machine declared twice under two addresses.
    /// </summary>
    public static IReadOnlyList<string> CrossHostProblems(IReadOnlyList<HostReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var problems = new List<string>();
        foreach (var group in reports.Where(r => r.Hostname.Length > 0)
            .GroupBy(r => r.Hostname, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            var names = string.Join(", ", group.Select(r => r.Name));
            problems.Add($"Hosts {names} all have the hostname `{group.Key}`; Ceph and libvirt tell hosts apart by " +
                $"hostname, so each needs its own " +
                $"(or they are one machine declared twice). Give each host a unique hostname (`hostnamectl " +
                    $"set-hostname NAME`) or remove the duplicate from `hosts`.");
        }
        return problems;
    }

    /// <summary>True when no host has a problem and the hosts do not clash with each other.</summary>
    public static bool AllFit(IReadOnlyList<HostReport> reports) =>
        reports.All(r => r.IsFit) && CrossHostProblems(reports).Count == 0;

    /// <summary>One message with every problem of every host, for the error that stops the create.</summary>
    public static string Describe(IReadOnlyList<HostReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var cross = CrossHostProblems(reports);
        var unfit = reports.Where(r => !r.IsFit).ToList();
        if (unfit.Count == 0 && cross.Count == 0)
            return reports.Count == 1 ? "the host passed the preflight checks" :
                $"all {reports.Count} hosts passed the preflight checks";
        var sb = new StringBuilder();
        sb.Append(unfit.Count > 0
            ? $"{unfit.Count} of {Plural(reports.Count, "host")} cannot become " +
                $"{(unfit.Count == 1 ? "a cluster host" : "cluster hosts")} yet " +
                $"({string.Join(", ", unfit.Select(r => r.Name))})"
            : "the hosts cannot form one cluster yet");
        sb.Append("; nothing was changed on any host. Fix the following and run again:");
        foreach (var problem in unfit.SelectMany(r => r.Problems).Concat(cross))
            sb.Append("\n  - ").Append(problem);
        return sb.ToString();
    }

    internal static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}

/// <summary>Problems and warnings of one host, each a sentence that names the host.</summary>
internal sealed class PreflightFindings(string host)
{
    public string Host { get; } = host;
    public List<string> Problems { get; } = [];
    public List<string> Warnings { get; } = [];

    public void Problem(string sentence) => Problems.Add(sentence);
    public void Warning(string sentence) => Warnings.Add(sentence);
}
