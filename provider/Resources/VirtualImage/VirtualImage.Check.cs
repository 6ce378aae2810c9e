using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.VirtualImage;

// Check: the offline validation of the inputs.
public sealed partial class VirtualImage
{
    protected override void Validate(VirtualImageArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckSimpleName(ctx, "name", args.Name, 127, args.Name == ctx.ResourceName ? " (it defaults to the " +
            "resource name; set `name` explicitly)" : "");
        Names.CheckPoolName(ctx, "pool", args.Pool);
        ImageSource.Check(ctx, "source", args.Source);
        Shared.Checksum.Check(ctx, "checksum", args.Checksum);
        ctx.RequirePositive("minimumMemoryMiB", args.MinimumMemoryMiB, MaxMemoryMiB, " MiB");
    }
}
