using System.Net;
using System.Text.RegularExpressions;

namespace Mvm.Config;

/// <summary>Offline checks for the names and keys users type into SSH settings.</summary>
public static partial class HostNames
{
    public static bool IsValidAddress(string s) =>
        IPAddress.TryParse(s, out _) || (s.Length <= 253 && HostName().IsMatch(s));

    public static bool IsValidUser(string s) => s.Length is > 0 and <= 32 && User().IsMatch(s);

    public static bool IsPublicKey(string s)
    {
        var parts = s.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !KeyType().IsMatch(parts[0])) return false;
        try
        {
            return Convert.FromBase64String(parts[1]).Length > 16;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$")]
    private static partial Regex User();

    [GeneratedRegex(@"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$")]
    private static partial Regex KeyType();
}
