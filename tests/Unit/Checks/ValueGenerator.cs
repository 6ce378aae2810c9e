using System.Text;
using Mvm.Tests.Transport;

namespace Mvm.Tests.Unit.Checks;

/// <summary>
/// Seeded strings for property-based Check tests: valid values of a field kind, the same with a
/// hostile piece put before, after or inside them (a final "\n", a leading '-', control
/// characters, quotes, Unicode that looks like ASCII or shows nothing), random text of 0-300
/// characters, and the transport tests' hostile corpus. The same seed gives the same strings.
/// </summary>
internal sealed class ValueGenerator(int seed)
{
    private readonly Random _r = new(seed);

    public static readonly string[] Pieces =
    [
        "\n", "\r\n", "\r", "\t", "\0", "\x01", "\x1b", "\x7f", "\u0085", " ", "  ", "\u00a0", "\u3000",
        "\"", "'", "`", "\\", "/", "@", ":", "=", ",", "$", ";", "|", "&", "*", "?", "[", "]", "{", "}", "#", "%", "+", "~",
        "-", "--", ".", "..", "_",
        "é", "É", "日本", "😀", "\u200b", "\u202e", "\u2028", "\ud800", "Ａ", "ǅ", "e\u0301", "ß", "İ", "Ω",
    ];

    private static readonly string Mixed =
        "abcXYZ019-_.:/@ \t\n\r\0\x01\x7f\"'`\\$;|&*?[]{}#%+=,~é日😀\u200b\u202e\u00a0";

    private static readonly IReadOnlyList<string> Corpus = HostileStrings.Corpus();

    public Random Random => _r;

    public string Next(Func<Random, string> valid) => _r.Next(8) switch
    {
        0 or 1 => valid(_r),
        2 => valid(_r) + Pick(Pieces),
        3 => Pick(Pieces) + valid(_r),
        4 => Insert(valid(_r), Pick(Pieces)),
        5 => RandomText(_r.Next(0, 301)),
        6 => Corpus[_r.Next(Corpus.Count)],
        _ => Repeat(valid(_r), _r.Next(1, 301)),
    };

    private string Pick(string[] items) => items[_r.Next(items.Length)];

    private string Insert(string value, string piece)
    {
        var at = _r.Next(value.Length + 1);
        return value[..at] + piece + value[at..];
    }

    private string RandomText(int length)
    {
        var sb = new StringBuilder();
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(Mixed);
        var all = new List<string>();
        while (elements.MoveNext()) all.Add((string)elements.Current);
        while (sb.Length < length) sb.Append(all[_r.Next(all.Count)]);
        return sb.ToString();
    }

    private static string Repeat(string value, int length)
    {
        if (value.Length == 0) return value;
        var sb = new StringBuilder();
        while (sb.Length < length) sb.Append(value);
        return sb.ToString(0, length);
    }

    // ---- valid values by kind ----

    private const string Alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Hex = "0123456789abcdefABCDEF";

    public static string From(Random r, string first, string rest, int min, int max)
    {
        var length = r.Next(min, max + 1);
        var sb = new StringBuilder().Append(first[r.Next(first.Length)]);
        while (sb.Length < length) sb.Append(rest[r.Next(rest.Length)]);
        return sb.ToString();
    }

    public static string SimpleName(Random r, int max) => From(r, Alnum, Alnum + "._-", 1, Math.Min(max, r.Next(2) == 0 ? 12 : max));

    public static string DnsLabel(Random r)
    {
        var s = From(r, Alnum, Alnum + "-", 1, r.Next(2) == 0 ? 10 : 63);
        return s.EndsWith('-') ? s[..^1] + "0" : s;
    }

    public static string PoolName(Random r) => From(r, Alnum + "_", Alnum + "._-", 1, r.Next(2) == 0 ? 16 : 127);

    public static string InterfaceName(Random r) => r.Next(3) switch
    {
        0 => new[] { "eth0", "eno1", "ens3", "bond0", "eth1.100", "br-mvm", "enp3s0f1", "vlan_22" }[r.Next(8)],
        _ => From(r, Alnum + "_", Alnum + "_.-", 1, 15),
    };

    public static string Mac(Random r)
    {
        var octets = new byte[6];
        r.NextBytes(octets);
        octets[0] &= 0xFE;
        octets[5] |= 1;
        var text = string.Join(':', octets.Select(o => o.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        return r.Next(2) == 0 ? text.ToUpperInvariant() : text;
    }

    public static string DevicePath(Random r) => r.Next(4) switch
    {
        0 => "/dev/" + new[] { "vdb", "sdc", "nvme0n1", "xvdf" }[r.Next(4)],
        1 => "/dev/disk/by-id/" + From(r, Alnum, Alnum + "#+-.:=@_", 1, 40),
        2 => "/dev/disk/by-path/pci-0000:00:1f.2-ata-" + r.Next(1, 9),
        _ => "/dev/mapper/" + From(r, Alnum, Alnum + "-_", 1, 20),
    };

    public static string Address(Random r) => r.Next(3) switch
    {
        0 => $"10.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}",
        1 => $"fd00:{r.Next(1, 0xffff):x}::{r.Next(1, 0xffff):x}",
        _ => string.Join('.', Enumerable.Range(0, r.Next(1, 4)).Select(_ => "h" + From(r, Alnum, Alnum + "-", 1, 20) + "0")),
    };

    public static string SshUser(Random r) => From(r, "abcdefghijklmnopqrstuvwxyz_", "abcdefghijklmnopqrstuvwxyz0123456789_.-", 1, 32);

    public static readonly string[] RealOptions =
        ["osd_max_backfills", "mon_data_avail_warn", "log_file", "osd_pool_default_size", "mon_max_pg_per_osd",
         "osd_recovery_max_active", "rbd_cache", "debug_osd", "ms_bind_ipv6", "mgr/balancer/mode"];

    public static string OptionName(Random r) => r.Next(3) switch
    {
        0 => RealOptions[r.Next(RealOptions.Length)],
        1 => "mgr/" + From(r, "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz_", 1, 12) + "/" + From(r, "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789_", 1, 20),
        _ => From(r, "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789_", 1, 40),
    };

    public static string OptionValue(Random r)
    {
        const string printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
        return r.Next(3) switch
        {
            0 => new[] { "5", "true", "false", "-1", "1/5", "/var/log/ceph/x.log", "0.5", "10G", "-" }[r.Next(9)],
            _ => From(r, printable[1..].Replace("-", ""), printable, 1, 40).TrimEnd() is { Length: > 0 } v ? v : "x",
        };
    }

    public static string CpuModel(Random r) =>
        new[] { "host-model", "host-passthrough", "maximum", "EPYC-Rome", "Skylake-Server-IBRS", "qemu64", "Haswell-noTSX" }[r.Next(7)];

    public static string Cidr(Random r) => r.Next(3) switch
    {
        0 => $"10.{r.Next(256)}.{r.Next(256)}.0/24",
        1 => $"172.{r.Next(16, 32)}.0.0/16",
        _ => $"fd00:{r.Next(1, 0xffff):x}::/64",
    };

    public static string VlanItem(Random r)
    {
        // 1-4093: the base inputs hold VLAN 4094, which a generated range must not overlap.
        var a = r.Next(1, 4094);
        return r.Next(2) == 0 ? a.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{a}-{r.Next(a, 4094)}";
    }

    public static string Checksum(Random r) => r.Next(2) == 0
        ? "sha256:" + From(r, Hex, Hex, 64, 64)
        : "sha512:" + From(r, Hex, Hex, 128, 128);

    public static string Source(Random r) => r.Next(3) switch
    {
        0 => "https://mirror.example/images/" + SimpleName(r, 30) + ".qcow2",
        1 => "/var/lib/images/" + SimpleName(r, 30) + ".raw",
        _ => SimpleName(r, 10) + ":/var/lib/images/" + SimpleName(r, 30) + ".qcow2",
    };

    public static string ImageRef(Random r) => r.Next(2) == 0 ? SimpleName(r, 60) : "pool" + r.Next(100) + "/" + SimpleName(r, 60);

    public static string VlanRef(Random r) => r.Next(2) == 0 ? r.Next(1, 4095).ToString(System.Globalization.CultureInfo.InvariantCulture) : SimpleName(r, 63);

    public static string Duration(Random r) => new[] { "90s", "5m", "1h30m", "250ms", "30", "1.5h" }[r.Next(6)];
}
