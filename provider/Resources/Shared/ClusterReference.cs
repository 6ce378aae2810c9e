using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// How resources other than MvmCluster find their cluster: the cluster's secret `connectString`
/// output, passed directly or through a stack reference.
/// </summary>
public static class ClusterReference
{
    public const string Description =
        "The `connectString` output of the MvmCluster this belongs to (pass `cluster.connectString`, or read it from another stack through a stack reference). It carries what is needed to reach and join the cluster, so it is secret.";

    /// <summary>
    /// The content is opaque until the cluster issue (#4) defines it; offline we can only refuse
    /// what is certainly not one (empty or blank).
    /// </summary>
    public static void Check(CheckContext ctx, string path, string? value)
    {
        if (value is not null && value.Trim().Length == 0)
            ctx.Fail(path, "must be the MvmCluster's connectString output, got an empty string");
    }
}
