using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// A network in CIDR notation (`10.0.10.0/24`, `fd00:10::/64`), as Ceph's public/cluster network options take it.
/// </summary>
public static class Cidr
{
    public static void Check(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        // .NET's number and address parsers skip a trailing "\0" ("24\0" parses as 24): only
        // printable ASCII reaches them, so what Check accepts is what Ceph reads.
        if (value.Any(c => c is <= ' ' or > '~'))
        {
            ctx.Fail(path, $"{Quoted.Value(value)} must be a network in CIDR notation, e.g. 10.0.10.0/24, without " +
                "spaces or other characters");
            return;
        }
        var slash = value.IndexOf('/');
        if (slash < 0)
        {
            ctx.Fail(path, $"{Quoted.Value(value)} must be a network in CIDR notation, e.g. 10.0.10.0/24");
            return;
        }
        var addressText = value[..slash];
        var prefixText = value[(slash + 1)..];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%')
            || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            ctx.Fail(path, $"{Quoted.Value(value)}: {Quoted.Value(addressText)} is not an IPv4 or IPv6 address");
            return;
        }
        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) ||
            prefix > maxPrefix)
        {
            ctx.Fail(path, $"{Quoted.Value(value)}: the prefix length must be 0-{maxPrefix}, got " +
                $"{Quoted.Value(prefixText)}");
            return;
        }
        var network = Mask(address, prefix);
        if (!network.Equals(address))
            ctx.Fail(path, $"{Quoted.Value(value)} has host bits set; did you mean \"{network}/{prefix}\"?");
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(bytes);
    }
}
