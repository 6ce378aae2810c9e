using System.Text.Json;

namespace Mvm.Cluster;

/// <summary>One host of a cluster: how to reach it and what it is to Ceph.</summary>
public sealed class ClusterMember
{
    public MemberHost Host { get; set; } = new();
    /// <summary>The host's own short hostname: Ceph's CRUSH host bucket and daemon names follow it.</summary>
    public string Hostname { get; set; } = "";
    /// <summary>`cluster` when the host is in MvmCluster.hosts, `host` when an MvmHost joined it.</summary>
    public string JoinedBy { get; set; } = "cluster";
    /// <summary>Out of the placement pool: new VMs are not placed here.</summary>
    public bool Maintenance { get; set; }

    public string Name => Host.Name ?? "";
}

/// <summary>
/// The cluster's member registry: one entry per host, kept in the cluster itself so every stack
/// that holds the connect string sees hosts that joined later (through MvmHost). For the hci
/// layout it lives in the monitors' config-key store (`mvm/hosts/NAME`), atomic per key; entries
/// never hold secrets (keys and passwords stay in the state of the resource that declared them).
/// </summary>
public static class ClusterMembers
{
    public static string Key(string name) => ClusterNames.MemberKeyPrefix + name;

    /// <summary>The registry entry for a member: its host fields minus every secret.</summary>
    public static string Serialize(ClusterMember member)
    {
        return JsonSerializer.Serialize(new ClusterMember { Host = member.Host.WithoutSecrets(),
            Hostname = member.Hostname, JoinedBy = member.JoinedBy, Maintenance = member.Maintenance },
            ClusterJson.Default.ClusterMember);
    }

    public static ClusterMember? Deserialize(string json)
    {
        try
        {
            var m = JsonSerializer.Deserialize(json, ClusterJson.Default.ClusterMember);
            return m?.Host.Name is { Length: > 0 } ? m : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Registry entries merged with the connect string's hosts: a host known to both keeps the
    /// connect string's fields (they may carry its SSH key); registry-only hosts are reached with
    /// the provider's own credentials.
    /// </summary>
    public static IReadOnlyList<ClusterMember> Merge(IReadOnlyDictionary<string, string> registry,
        IEnumerable<MemberHost> seeds)
    {
        var members = new List<ClusterMember>();
        var byName = new Dictionary<string, ClusterMember>(StringComparer.OrdinalIgnoreCase);
        foreach (var (_, value) in registry.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (Deserialize(value) is { } m && byName.TryAdd(m.Name, m)) members.Add(m);
        foreach (var seed in seeds)
        {
            if (seed.Name is null) continue;
            if (byName.TryGetValue(seed.Name, out var known)) known.Host = seed;
        }
        return members;
    }
}
