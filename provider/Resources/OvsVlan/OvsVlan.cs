using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

[ResourceType("OvsVlan", """
A VLAN port group on every host's Open vSwitch bridge, offered to VMs as a libvirt network. Hosts
that join the cluster later get it too. Renaming is done in place; deletion refuses while a VM
still uses it and names those VMs.
""")]
public sealed partial class OvsVlan : Resource<OvsVlanArgs, OvsVlanState>
{
    // One batch of reads or changes on one host; the operation's own timeout bounds the whole.
    private static readonly TimeSpan HostTimeout = TimeSpan.FromMinutes(2);

    // A replacement reuses the name, which is unique per bridge and libvirt host.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    // Refresh records where the port group is missing or changed by hand in an output; inputs
    // alone would not show it, and the next `up` would leave those hosts as they are.
    protected override void DiffOutputs(OvsVlanState olds, OvsVlanArgs news, DiffResult diff)
    {
        if (olds.OutOfSyncHosts is { Count: > 0 } && !diff.Replaces) diff.Set("hosts", DiffKind.Update);
    }

    /// <summary>The resource id: the VLAN id, which names the network on every host (`mvm-vlan22`); import accepts
    /// either.</summary>
    public static int ParseId(string id)
    {
        var text = id.StartsWith("mvm-vlan", StringComparison.Ordinal) ? id["mvm-vlan".Length..] : id;
        return text.All(char.IsAsciiDigit) && int.TryParse(text, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 4094
            ? v
            : throw new PreconditionFailedException($"\"{id}\" is not an OvsVlan id: use the VLAN id (1-4094, e.g. " +
                $"`22`) or its network name (`mvm-vlan22`)");
    }

    private static VlanTarget Target(OvsVlanArgs args) =>
        new(args.VlanId ?? throw new ArgumentException("vlanId is required"),
            args.Name ?? throw new ArgumentException("name is required"), args.Bridge ?? MvmClusterArgs.DefaultBridge);

    private static Task<IReadOnlyList<ClusterMember>> MembersAsync(ClusterConnection conn, OperationContext ctx) =>
        ctx.StepAsync($"list the hosts of cluster {conn.Info.Name}", null, ct => conn.MembersAsync(ct), readOnly: true);
}
