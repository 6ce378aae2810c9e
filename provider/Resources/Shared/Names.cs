using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// Naming rules checked offline. Names end up in Ceph (pool and CRUSH bucket names), libvirt
/// (domain and network names), RBD image specs and Linux interface names, so they are kept to
/// characters every one of those tools accepts unquoted.
/// </summary>
public static partial class Names
{
    /// <summary>A DNS label: 1-63 letters, digits or '-', starting and ending with a letter or digit.</summary>
    public static void CheckDnsLabel(CheckContext ctx, string path, string? value, string hint = "")
    {
        if (value is null) return;
        if (!DnsLabel().IsWholeMatch(value))
            ctx.Fail(path, $"{Quoted.Value(value)} must be 1-63 letters, digits or '-', starting and ending with a " +
                $"letter or digit{hint}");
    }

    /// <summary>
    /// A simple object name (host display names, VM, disk, NIC, port group and image names): starts
    /// with a letter or digit, then letters, digits, '.', '_' or '-', at most <paramref name="max"/> characters.
    /// </summary>
    public static void CheckSimpleName(CheckContext ctx, string path, string? value, int max = 63, string hint = "")
    {
        if (value is null) return;
        if (value.Length == 0 || value.Length > max || !SimpleName().IsWholeMatch(value))
            ctx.Fail(path, $"{Quoted.Value(value)} must be 1-{max} characters: letters, digits, '.', '_' or '-', " +
                $"starting with a letter or digit{hint}");
    }

    /// <summary>
    /// A Ceph pool name as used in RBD image specs (`pool/image`): letters, digits, '.', '_', '-';
    /// not starting with '.', which Ceph reserves for its own pools (.mgr, .rgw.root).
    /// </summary>
    public static void CheckPoolName(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        if (value.StartsWith('.'))
            ctx.Fail(path, $"{Quoted.Value(value)}: pool names starting with '.' are reserved for Ceph's own pools " +
                "(e.g. .mgr); choose another name");
        else if (value.Length == 0 || value.Length > 127 || !PoolName().IsWholeMatch(value))
            ctx.Fail(path, $"{Quoted.Value(value)} must be 1-127 characters: letters, digits, '.', '_' or '-' (no " +
                "'/', '@' or spaces, which break RBD image specs)");
    }

    /// <summary>
    /// A Linux network interface name (also an OVS bridge name): 1-15 characters, letters, digits,
    /// '_', '.' or '-', not starting with '.' or '-'. The kernel takes more (any byte but '/', ':'
    /// and whitespace), but the names go to `ovs-vsctl` and `ip` as arguments and into libvirt
    /// network XML, and the OvsVsctl client takes exactly this set, so Check refuses what apply would.
    /// </summary>
    public static void CheckInterfaceName(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        if (value.Length == 0 || value.Length > 15)
            ctx.Fail(path, $"{Quoted.Value(value)} must be a Linux interface name of 1-15 characters, got " +
                $"{value.Length}");
        else if (!InterfaceName().IsWholeMatch(value))
            ctx.Fail(path, $"{Quoted.Value(value)} must be a Linux interface name: letters, digits, '_', '.' or '-', " +
                "not starting with '.' or '-' (e.g. eno1, bond0, eth1.100)");
    }

    /// <summary>
    /// A libvirt CPU model: `host-model`, `host-passthrough`, `maximum`, or a named model such as
    /// `Skylake-Server-IBRS` or `EPYC-Rome` (checked against the hosts' list when they are reachable).
    /// </summary>
    public static void CheckCpuModel(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        if (value.Length == 0 || value.Length > 64 || !SimpleName().IsWholeMatch(value))
            ctx.Fail(path, $"{Quoted.Value(value)} is not a CPU model name; use host-model, host-passthrough, " +
                "maximum or a model from `virsh cpu-models x86_64` (e.g. EPYC-Rome)");
    }

    /// <summary>A short identifier such as a Ceph application or erasure-code profile name (1-64 characters).</summary>
    public static bool IsToken(string value) => value.Length <= 64 && PoolName().IsWholeMatch(value);

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.\-]{0,14}\z")]
    private static partial Regex InterfaceName();

    [GeneratedRegex("\\A[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\z")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("\\A[A-Za-z0-9][A-Za-z0-9._-]*\\z")]
    private static partial Regex SimpleName();

    [GeneratedRegex("\\A[A-Za-z0-9_][A-Za-z0-9._-]*\\z")]
    private static partial Regex PoolName();
}
