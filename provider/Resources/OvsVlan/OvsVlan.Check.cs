using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.OvsVlan;

// Check: the offline validation of the inputs.
public sealed partial class OvsVlan
{
    protected override void Validate(OvsVlanArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckSimpleName(ctx, "name", args.Name, 63, args.Name == ctx.ResourceName ? " (it defaults to the " +
            "resource name; set `name` explicitly)" : "");
        VlanRanges.CheckId(ctx, "vlanId", args.VlanId);
        Names.CheckInterfaceName(ctx, "bridge", args.Bridge);
    }
}
