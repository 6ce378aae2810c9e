using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// How resources other than MvmCluster find their cluster: the cluster's secret `connectString`
/// output, passed directly or through a stack reference.
/// </summary>
public static class ClusterReference
{
    public const string Description =
        "The `connectString` output of the MvmCluster this belongs to (pass `cluster.connectString`, or read it from " +
            "another stack through a stack reference). It carries what is needed to reach and join the cluster, so " +
            "it is secret.";

    /// <summary>A known value must decode as a connect string; unknown (preview) values pass.</summary>
    public static void Check(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        if (!Cluster.ConnectString.TryDecode(value, out _, out var error)) ctx.Fail(path, error);
    }
}
