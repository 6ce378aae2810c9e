using System.Globalization;

namespace Mvm.Tools;

/// <summary>
/// libvirt's scaled sizes (the `unit` attribute of memory and capacity elements). The provider
/// works in KiB because that is libvirt's default unit and what `virsh dominfo` and
/// `virsh setmem` speak; any unit a hand-written or older XML uses is converted on read.
/// </summary>
public static class LibvirtUnits
{
    // From the libvirt domain XML reference: "KB" and friends are powers of 1000, while "k",
    // "KiB" and friends are powers of 1024; a missing unit means KiB for memory.
    private static readonly Dictionary<string, (long Base, int Power)> Units = new(StringComparer.Ordinal)
    {
        ["b"] = (1, 0),
        ["bytes"] = (1, 0),
        ["KB"] = (1000, 1),
        ["k"] = (1024, 1),
        ["KiB"] = (1024, 1),
        ["MB"] = (1000, 2),
        ["M"] = (1024, 2),
        ["MiB"] = (1024, 2),
        ["GB"] = (1000, 3),
        ["G"] = (1024, 3),
        ["GiB"] = (1024, 3),
        ["TB"] = (1000, 4),
        ["T"] = (1024, 4),
        ["TiB"] = (1024, 4),
        ["PB"] = (1000, 5),
        ["P"] = (1024, 5),
        ["PiB"] = (1024, 5),
        ["EB"] = (1000, 6),
        ["E"] = (1024, 6),
        ["EiB"] = (1024, 6),
    };

    /// <summary>Bytes in one <paramref name="unit"/>; null or empty means <paramref name="defaultUnit"/>.</summary>
    public static long BytesPerUnit(string? unit, string defaultUnit = "KiB")
    {
        var u = string.IsNullOrEmpty(unit) ? defaultUnit : unit;
        if (!Units.TryGetValue(u, out var scale))
            throw new FormatException($"unknown libvirt size unit '{u}'");
        long bytes = 1;
        for (var i = 0; i < scale.Power; i++) bytes = checked(bytes * scale.Base);
        return bytes;
    }

    /// <summary>A scaled value in bytes (e.g. `512` `MiB` → 536870912).</summary>
    public static long ToBytes(string value, string? unit, string defaultUnit = "KiB")
    {
        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new FormatException($"'{value}' is not a libvirt size");
        return checked(n * BytesPerUnit(unit, defaultUnit));
    }

    /// <summary>
    /// A scaled value in KiB. Values that are not whole KiB (possible with `b` or `KB`) are rounded
    /// up, as libvirt itself does when it stores memory sizes.
    /// </summary>
    public static long ToKiB(string value, string? unit, string defaultUnit = "KiB")
    {
        var bytes = ToBytes(value, unit, defaultUnit);
        return bytes / 1024 + (bytes % 1024 == 0 ? 0 : 1);
    }

    public static long MiBToKiB(long mib) => checked(mib * 1024);

    /// <summary>
    /// Whole MiB in <paramref name="kib"/> (rounded toward zero), as sizes are declared and reported.
    /// </summary>
    public static long KiBToMiB(long kib) => kib / 1024;

    internal static string Format(long n) => n.ToString(CultureInfo.InvariantCulture);
}
