using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mvm.Cluster;

/// <summary>
/// What another resource needs to find and use a cluster, carried by MvmCluster's secret
/// `connectString` output: the cluster's identity and settings and the hosts it was formed from
/// (with their SSH overrides, which may include keys, hence secret). Hosts that join later are
/// found through the cluster's member registry (<see cref="ClusterMembers"/>), not through this.
/// </summary>
public sealed class ClusterInfo
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;
    public string Name { get; set; } = "";
    public string Fsid { get; set; } = "";
    public string Layout { get; set; } = "hci";
    public string VmPool { get; set; } = ClusterSettings.DefaultVmPool;
    public string OvsBridge { get; set; } = ClusterSettings.DefaultBridge;
    public string DomainType { get; set; } = "kvm";
    public string OvsDatapath { get; set; } = "system";
    public string CpuModel { get; set; } = ClusterSettings.DefaultCpuModel;
    /// <summary>
    /// UUID of the libvirt secret holding the cephx key VMs use for their RBD disks (the same on every host).
    /// </summary>
    public string LibvirtSecretUuid { get; set; } = "";
    /// <summary>The cephx user VMs and libvirt use (`client.` prefix omitted), e.g. `mvm`.</summary>
    public string CephClient { get; set; } = ClusterNames.CephClient;
    /// <summary>
    /// The cluster's computeVlans, expanded: each has a libvirt network the cluster owns (an OvsVlan on one only
    /// renames its port group).
    /// </summary>
    public List<int> ComputeVlanIds { get; set; } = [];
    public List<MemberHost> Hosts { get; set; } = [];
    /// <summary>The cluster's host minimums, so hosts joining through MvmHost are held to the same bar.</summary>
    public int MinimumMemoryGiB { get; set; } = ClusterSettings.DefaultMinimumMemoryGiB;
    public int MemoryPerOsdGiB { get; set; } = ClusterSettings.DefaultMemoryPerOsdGiB;

    [JsonIgnore] public bool IsHci => Layout == "hci";

    /// <summary>
    /// The settings the connect string carries, for work that joins a host to the cluster (MvmHost);
    /// what it does not carry (pool sizes, Ceph networks and options) is only needed to form a cluster.
    /// </summary>
    [JsonIgnore]
    public ClusterSettings Settings => new()
    {
        Name = Name,
        Layout = IsHci ? ClusterLayout.Hci : ClusterLayout.Standard,
        DomainType = DomainType == "qemu" ? Tools.DomainType.Qemu : Tools.DomainType.Kvm,
        OvsDatapath = OvsDatapath == "netdev" ? Cluster.OvsDatapath.Netdev : Cluster.OvsDatapath.System,
        CpuModel = CpuModel,
        VmPool = VmPool,
        OvsBridge = OvsBridge,
        MinimumMemoryGiB = MinimumMemoryGiB,
        MemoryPerOsdGiB = MemoryPerOsdGiB,
    };

    /// <summary>
    /// The connect string's content for a cluster with these settings: <paramref name="id"/> is the
    /// cluster's id (its Ceph fsid for hci), <paramref name="secretUuid"/> the libvirt secret's.
    /// The enums are written as the words clusters already carry ("hci", "kvm", "system" …).
    /// </summary>
    public static ClusterInfo Of(ClusterSettings s, string id, string secretUuid, List<MemberHost> hosts,
        List<int> computeVlanIds) => new()
    {
        Name = s.Name,
        Fsid = s.IsHci ? id : "",
        Layout = s.IsHci ? "hci" : "standard",
        VmPool = s.VmPool,
        OvsBridge = s.OvsBridge,
        DomainType = s.DomainType == Tools.DomainType.Qemu ? "qemu" : "kvm",
        OvsDatapath = s.OvsDatapath == Cluster.OvsDatapath.Netdev ? "netdev" : "system",
        CpuModel = s.CpuModel,
        LibvirtSecretUuid = secretUuid,
        Hosts = hosts,
        ComputeVlanIds = computeVlanIds,
        MinimumMemoryGiB = s.MinimumMemoryGiB,
        MemoryPerOsdGiB = s.MemoryPerOsdGiB,
    };
}

/// <summary>Encodes and decodes the connect string: `mvm1.` followed by base64url of the JSON form.</summary>
public static class ConnectString
{
    private const string Prefix = "mvm1.";

    public static string Encode(ClusterInfo info) =>
        Prefix + Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(info, ClusterJson.Default.ClusterInfo))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes a connect string; a value that is not one gives a message saying what it should be.</summary>
    public static bool TryDecode(string? value, out ClusterInfo info, out string error)
    {
        info = new ClusterInfo();
        error = "";
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "must be the MvmCluster's connectString output, got an empty string";
            return false;
        }
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = "is not an MvmCluster connectString (it starts with `mvm1.`); pass the cluster's connectString " +
                "output unchanged";
            return false;
        }
        try
        {
            var b64 = value[Prefix.Length..].Trim().Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var decoded = JsonSerializer.Deserialize(Convert.FromBase64String(b64), ClusterJson.Default.ClusterInfo);
            if (decoded is null || decoded.Hosts.Count == 0 || string.IsNullOrEmpty(decoded.Name))
            {
                error = "is not a complete MvmCluster connectString (no cluster name or hosts); pass the cluster's " +
                    "connectString output unchanged";
                return false;
            }
            if (decoded.Version != ClusterInfo.CurrentVersion)
            {
                error = $"was made by a provider with connect string version {decoded.Version}; this provider reads " +
                    $"version {ClusterInfo.CurrentVersion}: upgrade the provider";
                return false;
            }
            info = decoded;
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            error = "is not a valid MvmCluster connectString (it does not decode); pass the cluster's connectString " +
                "output unchanged";
            return false;
        }
    }

    public static ClusterInfo Decode(string? value) =>
        TryDecode(value, out var info, out var error) ? info : throw new ArgumentException("connectString " + error);
}

/// <summary>Names the provider gives to objects it creates on the hosts, in one place.</summary>
public static class ClusterNames
{
    public const string CephClient = "mvm";
    /// <summary>Prefix of the member registry in the Ceph monitors' config-key store.</summary>
    public const string MemberKeyPrefix = "mvm/hosts/";
    /// <summary>Where the standard layout (no Ceph) keeps its member registry on the first host.</summary>
    public const string MemberDirectory = "/etc/mvm/members";
    /// <summary>libvirt network of a compute VLAN.</summary>
    public static string VlanNetwork(int vlanId) => $"mvm-vlan{vlanId}";
}
