using System.Globalization;
using System.Net;

namespace Mvm.Tests.Unit.Checks;

/// <summary>
/// What the hosts' tools take, written from their documentation and from what they did on the
/// lab's h3 (Ceph 16.2.15, libvirt 9.0, Open vSwitch 3.1), independently of the provider's Check
/// code: a value Check accepts must satisfy the rule of every tool it reaches. The rules may be
/// looser than Check (the tools take more than Check lets through); never stricter.
/// </summary>
internal static class ToolRules
{
    private static bool Printable(string s) => s.All(c => c is >= '!' and <= '~');

    /// <summary>
    /// Any name the Ceph/Rbd clients pass to `ceph`/`rbd`: one argv word that no tool reads as an
    /// option. rbd itself took "a\nb", "a b", "é" and "-x" as image names on h3, but its spec
    /// syntax splits at '/' (pool/namespace/image) and '@' (snapshot): "x@y" was refused.
    /// </summary>
    public static bool RbdName(string s) =>
        s.Length > 0 && !s.StartsWith('-') && !s.Any(char.IsWhiteSpace) && !s.Contains('\0') && !s.Contains('/') && !s.Contains('@');

    /// <summary>A Ceph pool name in an RBD spec, and not one of the dot-names Ceph keeps for itself.</summary>
    public static bool PoolName(string s) => RbdName(s) && !s.StartsWith('.');

    /// <summary>
    /// A libvirt domain name: libvirt refuses '/' ("name … cannot contain '/'") and XML 1.0 cannot
    /// carry control characters other than tab and line breaks, which libvirt's names do not keep.
    /// The VM name is also the prefix of its RBD images (`NAME-disk`, `NAME-seed-…`).
    /// </summary>
    public static bool DomainName(string s) => s.Length > 0 && !s.Contains('/') && !s.Any(char.IsControl) && RbdName(s + "-boot");

    /// <summary>
    /// A Linux interface name (kernel dev_valid_name: 1-15 bytes, not "." or "..", no '/', ':' or
    /// whitespace) that `ovs-vsctl` and `ip` also read as a name, not an option.
    /// </summary>
    public static bool InterfaceName(string s) =>
        s.Length > 0 && System.Text.Encoding.UTF8.GetByteCount(s) <= 15 && s is not ("." or "..") && !s.StartsWith('-')
        && !s.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c));

    /// <summary>
    /// A libvirt port group name and OVS external_ids value (`ovs-vsctl … external_ids:KEY=VALUE`):
    /// printable ASCII without what ovs-vsctl's map syntax parses (',', '=', quotes, brackets, braces, ':').
    /// </summary>
    public static bool PortGroup(string s) =>
        s.Length > 0 && Printable(s) && !s.StartsWith('-') && !s.Any(c => c is ',' or '=' or '"' or '\'' or '[' or ']' or '{' or '}' or ':' or '\\');

    /// <summary>libvirt's MAC syntax (six hex pairs with ':'); it refuses a multicast address for a NIC.</summary>
    public static bool Mac(string s)
    {
        var parts = s.Split(':');
        return parts.Length == 6 && parts.All(p => p.Length == 2 && p.All(char.IsAsciiHexDigit))
            && (byte.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 1) == 0;
    }

    /// <summary>A block device path ceph-volume and lsblk take: under /dev, one argv word, printable ASCII.</summary>
    public static bool DevicePath(string s) => s.StartsWith("/dev/", StringComparison.Ordinal) && s.Length > 5 && Printable(s);

    /// <summary>What ssh takes as a host: not an option, one word, an IP address or a name of ASCII labels.</summary>
    public static bool SshHost(string s) =>
        s.Length > 0 && !s.StartsWith('-') && Printable(s) && !s.Contains('@') && (IPAddress.TryParse(s, out _) || s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'));

    /// <summary>A login name (POSIX portable user names; useradd's default rule) that ssh cannot read as an option.</summary>
    public static bool LoginName(string s) =>
        s.Length is > 0 and <= 32 && !s.StartsWith('-') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Option names `ceph config set` took on h3: the 1956 names of `ceph config ls` are [a-z0-9_] or mgr/MODULE/OPTION.</summary>
    public static bool CephOption(string s)
    {
        static bool Word(string w) => w.Length > 0 && w.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
        var parts = s.Split('/');
        return parts.Length == 1 ? Word(s) : parts.Length == 3 && parts[0] == "mgr" && Word(parts[1]) && Word(parts[2]);
    }

    /// <summary>
    /// Values `ceph config set … -- VALUE` took and gave back unchanged on h3: printable ASCII
    /// ("é" was "invalid chars", \x01 "invalid command"), and after `--` nothing starting with "--".
    /// </summary>
    public static bool CephValue(string s) => s.Length > 0 && s.All(c => c is >= ' ' and <= '~') && !s.StartsWith("--", StringComparison.Ordinal);

    /// <summary>A libvirt CPU model name (`virsh cpu-models`): one printable ASCII word.</summary>
    public static bool CpuModel(string s) => s.Length > 0 && Printable(s) && !s.StartsWith('-');

    /// <summary>Ceph's public/cluster network: an address, '/', a prefix length, in ASCII.</summary>
    public static bool Network(string s)
    {
        var slash = s.IndexOf('/');
        return slash > 0 && Printable(s) && IPAddress.TryParse(s[..slash], out var ip)
            && int.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p)
            && p <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }

    /// <summary>One VLAN id or range of 802.1Q ids, which reach the hosts as numbers.</summary>
    public static bool VlanItem(string s)
    {
        var parts = s.Split('-');
        return parts.Length is 1 or 2 && parts.All(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 4094);
    }

    /// <summary>A VM NIC's VLAN: an id, or a port group name.</summary>
    public static bool VlanReference(string s) =>
        (s.All(char.IsAsciiDigit) && s.Length is > 0 and < 5 && int.Parse(s, CultureInfo.InvariantCulture) is >= 1 and <= 4094) || PortGroup(s);

    /// <summary>`sha256:` or `sha512:` and the digest sha256sum/sha512sum print, in hex.</summary>
    public static bool Digest(string s) =>
        (s.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) && s.Length == 7 + 64 || s.StartsWith("sha512:", StringComparison.OrdinalIgnoreCase) && s.Length == 7 + 128)
        && s[7..].All(char.IsAsciiHexDigit);

    /// <summary>An image source curl or the host's file tools can open: no control characters, an http(s) URL or an absolute path.</summary>
    public static bool Source(string s) =>
        !s.Any(char.IsControl) && s.Trim() == s &&
        (s.StartsWith("http://", StringComparison.Ordinal) || s.StartsWith("https://", StringComparison.Ordinal) || s.StartsWith('/') || s.Contains(":/", StringComparison.Ordinal));

    /// <summary>A VirtualImage reference: `name` or `pool/name`, each an RBD name.</summary>
    public static bool ImageReference(string s) => s.Split('/') is var p && p.Length is 1 or 2 && p.All(RbdName) && (p.Length == 1 || PoolName(p[0]));

    /// <summary>A public key line for known_hosts: one line, no control characters.</summary>
    public static bool KeyLine(string s) => !s.Trim().Any(char.IsControl);

    /// <summary>Accepted without a tool rule of its own: the value never reaches a host as text.</summary>
    public static bool NotSentAsText(string s) => true;
}
