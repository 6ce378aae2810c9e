using System.Globalization;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>A NIC MAC address as libvirt takes it: six hex pairs separated by ':', unicast, not all zero.</summary>
public static partial class MacAddress
{
    public static void Check(CheckContext ctx, string path, string? mac)
    {
        if (mac is null) return;
        if (!Form().IsWholeMatch(mac))
        {
            ctx.Fail(path, $"{Quoted.Value(mac)} is not a MAC address; write six hex pairs separated by ':', e.g. " +
                "52:54:00:12:34:56");
            return;
        }
        var first = byte.Parse(mac[..2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) == 1)
            ctx.Fail(path, $"{Quoted.Value(mac)} is a multicast address; a NIC needs a unicast MAC (even first " +
                "octet), e.g. 52:54:00:12:34:56");
        else if (mac.Replace(":", "", StringComparison.Ordinal).All(c => c == '0'))
            ctx.Fail(path, $"{Quoted.Value(mac)} is the all-zero address; leave mac out to have one generated");
    }

    /// <summary>The comparison form (lower case), for uniqueness checks.</summary>
    public static string? Normalize(string? mac) => mac?.ToLowerInvariant();

    [GeneratedRegex("\\A[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}\\z")]
    private static partial Regex Form();
}
