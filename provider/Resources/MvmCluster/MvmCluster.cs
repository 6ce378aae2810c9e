using Mvm.Cluster;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;

namespace Mvm.Resources.MvmCluster;

/// <summary>
/// The resource, split by what it does: Check (MvmCluster.Check.cs), Create, Read, Update (with
/// MvmCluster.Removal.cs) and Delete; the preview's plan is <see cref="ClusterPlan"/>. The work on
/// the hosts is the cluster layer's (Mvm.Cluster), which takes <see cref="ClusterSettings"/> and
/// <see cref="MemberHost"/>s made here from the inputs.
/// </summary>
[ResourceType("MvmCluster", """
A hyperconverged KVM cluster formed from bare Ubuntu 22.04/24.04 or Debian 12 hosts over SSH:
libvirt/QEMU for compute, Ceph for replicated storage (`hci` layout), Open vSwitch for VLAN
networking. Creation validates every host before changing any, installs the packages, bootstraps
Ceph (monitors on the first three hosts, one OSD per data device), builds the OVS bridge with a
port group per compute VLAN and an RBD pool for VM disks, and waits for HEALTH_OK. Changes to
`hosts` are carried out as host additions, data-device additions and OSD-safe removals.
""")]
public sealed partial class MvmCluster : Resource<MvmClusterArgs, MvmClusterState>
{
    public const int HciMinimumHosts = 3;

    // Another cluster on the same hosts cannot exist alongside the old one.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName)
    {
        news = Defaults.NameFromResource(news, resourceName);
        if (Defaults.IsAbsent(news["defaultPoolMinSize"]) &&
            Defaults.KnownInteger(news["defaultPoolSize"]) is { } size and >= 1 and <= 10)
            news = news.With("defaultPoolMinSize", PropertyValue.Of(Defaults.CephMinSize(size)));
        return news;
    }

    protected override IReadOnlyList<string> Plan(MvmClusterState? olds, MvmClusterArgs news) =>
        ClusterPlan.Describe(olds, news);

    /// <summary>Hosts are one host when their names match, case aside (the diff follows hosts by name too).</summary>
    internal static bool SameHost(MemberHost a, MemberHost b) =>
        string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The declared hosts, as the cluster layer takes them.</summary>
    internal static List<MemberHost> Declared(MvmClusterArgs args) =>
        (args.Hosts ?? []).Where(h => h is not null).Select(h => h!.ToMember()).ToList();

    /// <summary>The inputs as cluster settings, the schema's defaults applied.</summary>
    internal static ClusterSettings SettingsOf(MvmClusterArgs a) => new()
    {
        Name = a.Name ?? "",
        Layout = a.Layout ?? ClusterLayout.Hci,
        DomainType = a.DomainType ?? Tools.DomainType.Kvm,
        OvsDatapath = a.OvsDatapath ?? Cluster.OvsDatapath.System,
        CpuModel = a.CpuModel ?? ClusterSettings.DefaultCpuModel,
        VmPool = a.VmPool ?? ClusterSettings.DefaultVmPool,
        OvsBridge = a.OvsBridge ?? ClusterSettings.DefaultBridge,
        MinimumMemoryGiB = a.MinimumMemoryGiB ?? ClusterSettings.DefaultMinimumMemoryGiB,
        MemoryPerOsdGiB = a.MemoryPerOsdGiB ?? ClusterSettings.DefaultMemoryPerOsdGiB,
        PoolSize = a.DefaultPoolSize ?? ClusterSettings.DefaultPoolSize,
        PoolMinSize = a.DefaultPoolMinSize,
        CephPublicNetwork = a.CephPublicNetwork,
        CephClusterNetwork = a.CephClusterNetwork,
        CephConfig = a.CephConfig ?? [],
    };

    /// <summary>
    /// The connect string's content for these inputs: <paramref name="id"/> is the cluster's id (its fsid for hci).
    /// </summary>
    internal static ClusterInfo InfoOf(MvmClusterArgs a, string id, string secretUuid) =>
        ClusterInfo.Of(SettingsOf(a), id, secretUuid, Declared(a), VlanIds(a.ComputeVlans));

    internal static List<int> VlanIds(IReadOnlyList<string?>? items) =>
        (items ?? []).Where(i => i is not null && VlanRanges.TryParse(i, out _, out _))
            .SelectMany(i => { VlanRanges.TryParse(i!, out var r, out _); return r.Ids; }).Distinct().Order().ToList();

    private static MvmClusterState StateOf(MvmClusterArgs args, ClusterInfo info)
    {
        var state = States.FromInputs<MvmClusterArgs, MvmClusterState>(args);
        state.Fsid = info.IsHci ? info.Fsid : null;
        state.ConnectString = ConnectString.Encode(info);
        return state;
    }

    /// <summary>
    /// The init failure a create or update ends with once changes began: the state says what exists now, so the next
    /// `up` continues.
    /// </summary>
    private static ResourceInitFailedException Unfinished(string id, MvmClusterState state, Exception e) =>
        Failures.InitFailed(id, state, e, "run `pulumi up` again to continue from where it stopped");
}
