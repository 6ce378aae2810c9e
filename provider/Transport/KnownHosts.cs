using System.Security.Cryptography;
using System.Text;

namespace Mvm.Transport;

/// <summary>One host key line of a known_hosts file.</summary>
public sealed record KnownHostEntry(string Hosts, string KeyType, string KeyBase64, string? Marker)
{
    public string PublicKey => $"{KeyType} {KeyBase64}";
    public HostKeyFingerprint Fingerprint => HostKeyFingerprint.FromBlob(KeyType, KeyBase64);
}

/// <summary>
/// Reads known_hosts text (plain, wildcard and hashed host fields) so the transport can say which
/// keys it expected for a host, and writes entries in the form ssh looks up.
/// </summary>
public static class KnownHosts
{
    public static IReadOnlyList<KnownHostEntry> Parse(string? text)
    {
        var entries = new List<KnownHostEntry>();
        if (string.IsNullOrEmpty(text)) return entries;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string? marker = null;
            if (fields[0].StartsWith('@'))
            {
                marker = fields[0];
                fields = fields[1..];
            }
            if (fields.Length < 3) continue;
            entries.Add(new KnownHostEntry(fields[0], fields[1], fields[2], marker));
        }
        return entries;
    }

    /// <summary>The name ssh looks a host up by: `addr` on port 22, `[addr]:port` otherwise.</summary>
    public static string LookupName(string address, int port) => port == 22 ? address : $"[{address}]:{port}";

    /// <summary>The plain host keys (no @cert-authority, no @revoked) that apply to address:port.</summary>
    public static IReadOnlyList<KnownHostEntry> For(IEnumerable<KnownHostEntry> entries, string address, int port)
    {
        var name = LookupName(address, port);
        return entries.Where(e => e.Marker is null && Matches(e.Hosts, name)).ToList();
    }

    /// <summary>A known_hosts line pinning one public key (`type base64 [comment]`) to address:port.</summary>
    public static string Line(string address, int port, string publicKey)
    {
        var parts = publicKey.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new
            FormatException($"not an SSH public key (expected `type base64`): {PosixQuote.Display(publicKey)}");
        // Validates the base64 so a typo fails here, with the host named by the caller.
        HostKeyFingerprint.FromBlob(parts[0], parts[1]);
        return $"{LookupName(address, port)} {parts[0]} {parts[1]}";
    }

    /// <summary>
    /// Whether a host field (comma-separated patterns, `!` negation, `*`/`?` wildcards, or `|1|salt|hash`) matches.
    /// </summary>
    public static bool Matches(string hostsField, string name)
    {
        if (hostsField.StartsWith("|1|", StringComparison.Ordinal)) return HashedMatches(hostsField, name);
        var matched = false;
        foreach (var pattern in hostsField.Split(','))
        {
            if (pattern.StartsWith('!'))
            {
                if (Glob(pattern[1..], name)) return false;
            }
            else if (Glob(pattern, name))
            {
                matched = true;
            }
        }
        return matched;
    }

    private static bool HashedMatches(string field, string name)
    {
        var parts = field.Split('|');
        if (parts.Length != 4) return false;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
            return CryptographicOperations.FixedTimeEquals(hash, Convert.FromBase64String(parts[3]));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // ssh host patterns compare case-insensitively and support only '*' and '?'.
    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length
                && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
