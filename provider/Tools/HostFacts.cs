using System.Globalization;
using System.Text.Json;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// Reads a host's OS, CPU, memory, block devices and network interfaces in one round trip (one
/// <see cref="RemoteScript"/>), from machine-readable sources: /etc/os-release, /proc,
/// `lsblk -J -b` and `ip -j addr`; given a <see cref="HostFactsRequest"/>, also probes block devices
/// and resolves names in the same script. Read-only: safe in preview.
/// </summary>
public sealed partial class HostFacts(IHost host)
{
    /// <summary>`true`: whether the host runs a command at all (reached, logged in, sudo works).</summary>
    public static ToolCall<bool> Answers() => new(["true"], null, r => r.ExitCode == 0);

    // Columns named explicitly: the default set changes between util-linux versions.
    internal static readonly string[] LsblkArgv = ["lsblk", "-J", "-b", "-o",
        "NAME,PATH,TYPE,SIZE,RO,FSTYPE,MOUNTPOINTS,MODEL,SERIAL"];
    internal static readonly string[] IpArgv = ["ip", "-j", "addr", "show"];

    public Task<HostFactsResult> GatherAsync(TimeSpan timeout, CancellationToken ct) =>
        GatherAsync(HostFactsRequest.None, timeout, ct);

    public async Task<HostFactsResult> GatherAsync(HostFactsRequest request, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var script = new RemoteScript { StopOnFailure = false };
        foreach (var argv in Commands) script.Add(argv);
        foreach (var argv in ExtraCommands(request)) script.Add(argv);
        var results = await script.RunAsync(host, timeout, ct).ConfigureAwait(false);
        return FromResults(host.Name, results, request);
    }

    /// <summary>The commands, in the order <see cref="FromResults"/> reads their results.</summary>
    internal static readonly IReadOnlyList<string[]> Commands =
    [
        ["cat", "/etc/os-release"],
        ["cat", "/proc/cpuinfo"],
        ["cat", "/proc/meminfo"],
        LsblkArgv,
        IpArgv,
        ["uname", "-nrm"],
        ["test", "-c", "/dev/kvm"],
    ];

    internal static HostFactsResult FromResults(string hostName, ScriptResult r)
    {
        CommandResult Checked(int i, string package)
        {
            var result = r[i] ?? throw new FormatException($"{PosixQuote.Join(Commands[i])} did not run on {hostName}");
            // 127 is the shell's "command not found"; a missing tool is something the user can fix.
            if (result.ExitCode == 127) throw new ToolMissingException(hostName, result.Argv[0], package);
            return result.EnsureSuccess();
        }
        var uname = Checked(5, "coreutils")
            .StdoutText.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (uname.Length != 3) throw new
            FormatException($"unexpected `uname -nrm` output on {hostName}: {r[5]!.StdoutText.Trim()}");
        return new HostFactsResult(
            uname[0], uname[1], uname[2],
            ParseOsRelease(Checked(0, "base-files").StdoutText),
            ParseCpuInfo(Checked(1, "coreutils").StdoutText),
            ParseMemInfo(Checked(2, "coreutils").StdoutText),
            r[6] is { ExitCode: 0 },
            ParseLsblk(Checked(3, "util-linux").StdoutText),
            ParseIpAddr(Checked(4, "iproute2").StdoutText));
    }

    /// <summary>os-release(5): KEY=value lines, values optionally quoted with shell-style escapes.</summary>
    public static OsRelease ParseOsRelease(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            values[line[..eq]] = Unquote(line[(eq + 1)..]);
        }
        string Get(string key) => values.TryGetValue(key, out var v) ? v : "";
        if (Get("ID").Length == 0) throw new FormatException("/etc/os-release has no ID");
        return new OsRelease(Get("ID"), Get("VERSION_ID"), values.GetValueOrDefault("VERSION_CODENAME"),
            Get("PRETTY_NAME"), Get("ID_LIKE").Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Unquote(string v)
    {
        if (v.Length >= 2 && (v[0] == '"' || v[0] == '\'') && v[^1] == v[0])
        {
            var inner = v[1..^1];
            return v[0] == '\'' ? inner
                : inner.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\$", "$", StringComparison.Ordinal)
                .Replace("\\`", "`", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        return v;
    }

    public static CpuInfo ParseCpuInfo(string text)
    {
        var cpus = 0;
        string? model = null;
        bool vmx = false, svm = false;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "processor":
                    cpus++;
                    break;
                case "model name":
                    model ??= value;
                    break;
                case "flags":
                    var flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    vmx |= flags.Contains("vmx");
                    svm |= flags.Contains("svm");
                    break;
            }
        }
        if (cpus == 0) throw new FormatException("/proc/cpuinfo lists no processor");
        return new CpuInfo(cpus, model, vmx, svm);
    }

    public static MemoryInfo ParseMemInfo(string text)
    {
        long? total = null, available = null;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) continue;
            // /proc/meminfo says "kB" and means KiB.
            var bytes = parts.Length > 2 && parts[2] == "kB" ? n * 1024 : n;
            if (parts[0] == "MemTotal:") total = bytes;
            else if (parts[0] == "MemAvailable:") available = bytes;
        }
        return new MemoryInfo(total ?? throw new FormatException("/proc/meminfo has no MemTotal"), available ?? 0);
    }

    /// <summary>
    /// `lsblk -J -b` output. util-linux 2.37+ prints numbers, booleans and a MOUNTPOINTS array;
    /// older versions print strings and a single MOUNTPOINT; both are read.
    /// </summary>
    public static IReadOnlyList<BlockDevice> ParseLsblk(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("blockdevices").EnumerateArray().Select(Device).ToList();

        static BlockDevice Device(JsonElement e)
        {
            var mounts = new List<string>();
            if (e.TryGetProperty("mountpoints", out var mps) && mps.ValueKind == JsonValueKind.Array)
                mounts.AddRange(mps.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String)
                    .Select(m => m.GetString()!));
            else if (Str(e, "mountpoint") is { } single)
                mounts.Add(single);
            var name = Str(e, "name") ?? throw new FormatException("lsblk device without a name");
            return new BlockDevice(
                name,
                Str(e, "path") ?? "/dev/" + name,
                Str(e, "type") ?? "",
                Long(e, "size"),
                Bool(e, "ro"),
                Str(e, "fstype"),
                mounts,
                Str(e, "model")?.Trim(),
                Str(e, "serial")?.Trim(),
                e.TryGetProperty("children", out var children) ? children.EnumerateArray().Select(Device).ToList()
                    : []);
        }
    }

    /// <summary>`ip -j addr show` output.</summary>
    public static IReadOnlyList<NetworkInterface> ParseIpAddr(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new List<NetworkInterface>();
        foreach (var link in doc.RootElement.EnumerateArray())
        {
            // ip -j emits an empty object for links it could not describe; skip them.
            if (Str(link, "ifname") is not { } name) continue;
            var addresses = new List<InterfaceAddress>();
            if (link.TryGetProperty("addr_info", out var infos))
            {
                foreach (var a in infos.EnumerateArray())
                {
                    if (Str(a, "family") is { } family && Str(a, "local") is { } local)
                        addresses.Add(new InterfaceAddress(family, local, (int)Long(a, "prefixlen"),
                            a.TryGetProperty("dynamic", out var dyn) && dyn.ValueKind == JsonValueKind.True));
                }
            }
            var flags = link.TryGetProperty("flags", out var f)
                ? f.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
            result.Add(new NetworkInterface(name, Str(link, "address"), (int)Long(link, "mtu"),
                Str(link, "operstate") ?? "UNKNOWN", flags, addresses));
        }
        return result;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Long(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return 0;
        return v.ValueKind switch
        {
            JsonValueKind.Number => v.GetInt64(),
            JsonValueKind.String when long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture,
                out var n) => n,
            _ => 0,
        };
    }

    private static bool Bool(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return false;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => v.GetString() == "1",
            _ => false,
        };
    }
}
