using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// A resource's way into an existing cluster, from its connect string: a working `ceph` CLI on
/// one of the cluster's hosts, the list of member hosts, and a connection to any of them.
/// CephPool, OvsVlan, MvmHost, VirtualImage and VirtualMachine all start here.
/// </summary>
public sealed class ClusterConnection
{
    private readonly RemoteHosts _hosts;
    private Ceph? _ceph;
    private IReadOnlyList<ClusterMember>? _members;

    public ClusterConnection(ClusterInfo info, RemoteHosts hosts)
    {
        Info = info;
        _hosts = hosts;
    }

    /// <summary>
    /// Decodes the connect string (already validated by Check) and binds it to the operation's transport.
    /// </summary>
    public static ClusterConnection Open(string? connectString, RemoteHosts hosts) =>
        new(ConnectString.Decode(connectString), hosts);

    public ClusterInfo Info { get; }

    /// <summary>
    /// Settings for Ceph CLI calls: a short connect timeout so a dead monitor host fails over quickly.
    /// </summary>
    public static CephContext CephContext { get; } = new() { ConnectTimeout = TimeSpan.FromSeconds(10) };

    public RemoteHost Connect(MemberHost host) => host.Connect(_hosts);

    /// <summary>
    /// The `ceph` CLI on the first host that answers for this cluster's fsid: the connect string's
    /// hosts in order, then the given extra candidates. All are asked at once, so dead hosts cost
    /// one connect timeout, not one each; the earliest host in order that answers wins. Fails
    /// naming every host tried and why.
    /// </summary>
    public async Task<Ceph> CephAsync(CancellationToken ct, IEnumerable<MemberHost>? candidates = null)
    {
        if (_ceph is not null) return _ceph;
        if (!Info.IsHci) throw new InvalidOperationException($"cluster {Info.Name} has the standard layout: it runs " +
            $"no Ceph");
        using var rest = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var probes = Info.Hosts.Concat(candidates ?? []).Select(h => (Host: h, Probe: ProbeAsync(h, rest.Token)))
            .ToList();
        var reasons = new List<string>();
        foreach (var (h, probe) in probes)
        {
            var (ceph, reason) = await probe.ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (ceph is not null)
            {
                await rest.CancelAsync().ConfigureAwait(false);
                return _ceph = ceph;
            }
            reasons.Add($"{h.Name}: {reason}");
        }
        throw new ProviderException($"no host of cluster {Info.Name} answers for its Ceph cluster {Info.Fsid}: " +
            $"{string.Join("; ", reasons)}. Check that the cluster's hosts are up and its monitors in quorum (`ceph " +
            $"-s` on a monitor host).");
    }

    private async Task<(Ceph? Ceph, string? Reason)> ProbeAsync(MemberHost h, CancellationToken ct)
    {
        try
        {
            var ceph = new Ceph(Connect(h), CephContext);
            var fsid = await ceph.FsidAsync(ct).ConfigureAwait(false);
            return string.Equals(fsid, Info.Fsid, StringComparison.OrdinalIgnoreCase)
                ? (ceph, null)
                : (null, $"answers for fsid {fsid}, not {Info.Fsid}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, "timed out");
        }
        catch (OperationCanceledException)
        {
            return (null, "not asked further: an earlier host answered");
        }
        catch (Exception e)
        {
            return (null, FirstLine(e.Message));
        }
    }

    /// <summary>Every member host (the registry merged with the connect string's hosts).</summary>
    public async Task<IReadOnlyList<ClusterMember>> MembersAsync(CancellationToken ct)
    {
        if (!Info.IsHci)
            return Info.Hosts.Select(h => new ClusterMember { Host = h, Hostname = h.Name ?? "", JoinedBy = "cluster" })
                .ToList();
        var ceph = await CephAsync(ct).ConfigureAwait(false);
        var registry = await ceph.ConfigKeyDumpAsync(ClusterNames.MemberKeyPrefix, ct).ConfigureAwait(false);
        return ClusterMembers.Merge(registry, Info.Hosts);
    }

    /// <summary>
    /// The members as first read through this connection: for a VM operation, which needs them
    /// more than once (placement, the name check, the read back) and changes none. Work that
    /// registers or removes hosts reads <see cref="MembersAsync"/> afresh.
    /// </summary>
    public async Task<IReadOnlyList<ClusterMember>> MembersOnceAsync(CancellationToken ct) =>
        _members ??= await MembersAsync(ct).ConfigureAwait(false);

    public async Task RegisterAsync(ClusterMember member, CancellationToken ct)
    {
        if (!Info.IsHci) return;
        var ceph = await CephAsync(ct).ConfigureAwait(false);
        await ceph.ConfigKeySetAsync(ClusterMembers.Key(member.Name), ClusterMembers.Serialize(member), ct)
            .ConfigureAwait(false);
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0];
}
