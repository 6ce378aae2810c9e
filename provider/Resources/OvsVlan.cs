using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.Shared;

namespace Mvm.Resources;

public class OvsVlanArgs
{
    [Input(ClusterReference.Description, Required = true, Secret = true)]
    public string? ConnectString { get; set; }

    [Input("Name of the port group, also the libvirt network VMs attach to (VirtualMachine `networkInterfaces[].vlan`): letters, digits, '.', '_' or '-'. Defaults to the resource name. Renamed in place.")]
    public string? Name { get; set; }

    [Input("802.1Q VLAN id, 1-4094, tagged on the port group's ports. Changing it replaces the port group.", Required = true, ReplaceOnChanges = true)]
    public int? VlanId { get; set; }

    [Input("Open vSwitch bridge the port group lives on; it must be the cluster's `ovsBridge`.", Default = MvmClusterArgs.DefaultBridge)]
    public string? Bridge { get; set; }
}

public sealed class OvsVlanState : OvsVlanArgs
{
    [Output("Display names of the hosts where the port group and its libvirt network exist.")]
    public List<string>? Hosts { get; set; }

    [Output("Name of the libvirt network defined for the port group on every host.", Always = true)]
    public string? NetworkName { get; set; }

    [Output("Names of the VMs with an interface on this port group.")]
    public List<string>? UsedBy { get; set; }
}

[ResourceType("OvsVlan", """
A VLAN port group on every host's Open vSwitch bridge, offered to VMs as a libvirt network. Hosts
that join the cluster later get it too. Renaming is done in place; deletion refuses while a VM
still uses it and names those VMs.
""")]
public sealed class OvsVlan : Resource<OvsVlanArgs, OvsVlanState>
{
    private const string ArrivesWith = "VLAN port groups on real hosts arrive with issue #4";

    // A replacement reuses the name, which is unique per bridge and libvirt host.
    protected override bool DeleteBeforeReplace => true;

    protected override ObjectProperty FillDefaults(ObjectProperty news, string resourceName) =>
        Defaults.NameFromResource(news, resourceName);

    protected override void Validate(OvsVlanArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckSimpleName(ctx, "name", args.Name, 63, args.Name == ctx.ResourceName ? " (it defaults to the resource name; set `name` explicitly)" : "");
        VlanRanges.CheckId(ctx, "vlanId", args.VlanId);
        Names.CheckInterfaceName(ctx, "bridge", args.Bridge);
    }

    protected override Task<(string Id, OvsVlanState State)> CreateAsync(OvsVlanArgs args, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "create", ArrivesWith);

    protected override Task<OvsVlanState?> ReadAsync(string id, OvsVlanState? state, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "read", ArrivesWith);

    protected override Task<OvsVlanState> UpdateAsync(string id, OvsVlanState olds, OvsVlanArgs news, DiffResult diff, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "update", ArrivesWith);

    protected override Task DeleteAsync(string id, OvsVlanState state, OperationContext ctx) =>
        throw new NotImplementedYetException(Token, "delete", ArrivesWith);
}
