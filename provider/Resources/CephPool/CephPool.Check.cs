using System.Numerics;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;

namespace Mvm.Resources.CephPool;

// Check: the offline validation of the inputs.
public sealed partial class CephPool
{
    protected override void Validate(CephPoolArgs args, CheckContext ctx)
    {
        ClusterReference.Check(ctx, "connectString", args.ConnectString);
        Names.CheckPoolName(ctx, "name", args.Name);

        if (args.Type == PoolType.Erasure)
        {
            if (args.ErasureCodeProfile is null && !ctx.IsUnknown("erasureCodeProfile"))
                ctx.Fail("erasureCodeProfile", "is required for type erasure: name an existing profile (see `ceph " +
                    "osd erasure-code-profile ls`), e.g. \"default\"");
            if (args.Size is not null)
                ctx.Fail("size", "cannot be set for type erasure: an erasure pool's size is k+m from its " +
                    "erasureCodeProfile; remove size");
        }
        if (args.Type == PoolType.Replicated && args.ErasureCodeProfile is not null)
            ctx.Fail("erasureCodeProfile", "applies only to type erasure; remove it or set type: erasure");
        if (args.ErasureCodeProfile is { } profile && !Names.IsToken(profile))
            ctx.Fail("erasureCodeProfile", $"{Quoted.Value(profile)} is not a profile name: letters, digits, '.', " +
                $"'_' or '-'");

        ctx.RequireRange("size", args.Size, 1, 10);
        ctx.RequireRange("minSize", args.MinSize, 1, 10);
        if (args.Size is { } size and >= 1 and <= 10 && args.MinSize is { } min and >= 1 and <= 10 && min > size)
            ctx.Fail("minSize", $"must be at most size ({size}), got {min}");

        if (args.PgNum is { } pg)
        {
            if (pg < 1 || pg > MaxPgNum || !BitOperations.IsPow2(pg))
                ctx.Fail("pgNum", $"must be a power of two from 1 to {MaxPgNum}, got {pg}{NearestPowers(pg)}");
            else if (args.Autoscale == PgAutoscaleMode.On)
                ctx.Fail("pgNum", "is managed by the autoscaler while autoscale is on and would drift; set autoscale " +
                    "to off (or warn), or remove pgNum");
        }

        if (args.Application is { } app && !Names.IsToken(app))
            ctx.Fail("application", $"{Quoted.Value(app)} is not an application name: letters, digits, '.', '_' or " +
                $"'-', e.g. rbd, cephfs, rgw");
        if (args.MaxBytes is < 0) ctx.Fail("maxBytes", $"must be 0 (no quota) or more, got {args.MaxBytes}");
        if (args.MaxObjects is < 0) ctx.Fail("maxObjects", $"must be 0 (no quota) or more, got {args.MaxObjects}");
    }

    private static string NearestPowers(int value)
    {
        if (value < 1 || value > MaxPgNum) return "";
        var below = (int)BitOperations.RoundUpToPowerOf2((uint)value) / 2;
        return $" (nearest: {below} or {below * 2})";
    }
}
