using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Mvm.Core;

namespace Mvm.Framework.Config;

/// <summary>The address a host is reached at over SSH: an IPv4/IPv6 address or a DNS name, nothing else.</summary>
public static partial class HostAddress
{
    public static void Check(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        if (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            ctx.Fail(path, $"{Quoted.Value(value)} must be an IP address or a DNS name without spaces");
            return;
        }
        if (value.Contains('@'))
        {
            ctx.Fail(path,
                $"{Quoted.Value(value)} must be only the address; put the login user in sshUser (or the jump host's " +
                "user)");
            return;
        }
        if (value.StartsWith('-'))
        {
            ctx.Fail(path, $"{Quoted.Value(value)} must not start with '-'");
            return;
        }
        if (value.StartsWith('['))
        {
            ctx.Fail(path,
                $"{Quoted.Value(value)}: write an IPv6 address without brackets, and the port in sshPort (or the " +
                "jump host's port)");
            return;
        }
        if (value.Count(c => c == ':') == 1 && !IPAddress.TryParse(value, out _))
        {
            ctx.Fail(path,
                $"{Quoted.Value(value)} must be only the address; put the port in sshPort (or the jump host's port)");
            return;
        }
        if (IPAddress.TryParse(value, out var ip))
        {
            // IPAddress.TryParse also accepts "10.1" or "167772161"; require the dotted form users mean.
            if (ip.AddressFamily == AddressFamily.InterNetwork && !DottedQuad().IsWholeMatch(value))
                ctx.Fail(path, $"{Quoted.Value(value)} is not a dotted IPv4 address (e.g. 10.0.0.11)");
            return;
        }
        if (value.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            ctx.Fail(path, $"{Quoted.Value(value)} is not a valid IPv4 address: four numbers 0-255 separated by '.'");
            return;
        }
        if (!HostName().IsWholeMatch(value) || value.Length > 253)
            ctx.Fail(path,
                $"{Quoted.Value(value)} is neither an IP address nor a valid DNS name (labels of letters, digits and " +
                "'-', separated by '.')");
    }

    [GeneratedRegex(@"\A\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\z")]
    private static partial Regex DottedQuad();

    [GeneratedRegex(@"\A[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?\z")]
    private static partial Regex HostName();
}
