using System.Globalization;
using System.Text.RegularExpressions;

namespace Mvm.Tools;

/// <summary>A domain's state as virsh names it (`virsh domstate`, the State line of `dominfo`).</summary>
public enum DomainState
{
    NoState,
    Running,
    /// <summary>virsh says "idle": running but blocked on I/O.</summary>
    Blocked,
    Paused,
    /// <summary>virsh says "in shutdown".</summary>
    ShuttingDown,
    /// <summary>virsh says "shut off".</summary>
    ShutOff,
    Crashed,
    /// <summary>Suspended by guest power management.</summary>
    PmSuspended,
}

/// <summary>`virsh domstate --reason`: the state and why (e.g. running/booted, shut off/destroyed).</summary>
public sealed record DomainStateInfo(DomainState State, string? Reason)
{
    /// <summary>Has a QEMU process (anything but shut off, crashed or no state).</summary>
    public bool IsActive =>
        State is DomainState.Running or DomainState.Blocked or DomainState.Paused or DomainState.ShuttingDown or
        DomainState.PmSuspended;
}

/// <summary>`virsh dominfo`, typed. Memory in KiB as virsh prints it.</summary>
public sealed record DomainInfo(
    int? Id,
    string Name,
    Guid Uuid,
    string OsType,
    DomainState State,
    int Vcpus,
    long MaxMemoryKiB,
    long UsedMemoryKiB,
    bool Persistent,
    bool Autostart,
    bool ManagedSave);

/// <summary>One line of `virsh list --all --uuid --name`.</summary>
public sealed record DomainListEntry(Guid Uuid, string Name);

/// <summary>`virsh net-info`.</summary>
public sealed record NetworkInfo(string Name, Guid Uuid, bool Active, bool Persistent, bool Autostart, string? Bridge);

/// <summary>`virsh pool-info --bytes`; sizes are null while the pool is not running.</summary>
public sealed record PoolInfo(string Name, Guid Uuid, string State, bool Persistent, bool Autostart,
    long? CapacityBytes, long? AllocationBytes, long? AvailableBytes)
{
    public bool IsRunning => State == "running";
}

/// <summary>One row of `virsh secret-list`: the UUID and its usage (e.g. `ceph client.libvirt secret`).</summary>
public sealed record SecretListEntry(Guid Uuid, string Usage);

/// <summary>
/// Parsers for virsh's human-oriented output; the unit tests feed them text captured from libvirt 9.0.
/// </summary>
public static partial class VirshOutput
{
    /// <summary>virsh's state words (virshDomainStateToString), with LC_ALL=C.</summary>
    public static DomainState ParseState(string text) => text.Trim() switch
    {
        "no state" => DomainState.NoState,
        "running" => DomainState.Running,
        "idle" or "blocked" => DomainState.Blocked,
        "paused" => DomainState.Paused,
        "in shutdown" => DomainState.ShuttingDown,
        "shut off" => DomainState.ShutOff,
        "crashed" => DomainState.Crashed,
        "pmsuspended" => DomainState.PmSuspended,
        var s => throw new FormatException($"unknown domain state '{s}'"),
    };

    /// <summary>`running (booted)` → Running, "booted".</summary>
    public static DomainStateInfo ParseDomState(string text)
    {
        var line = text.Trim().Split('\n')[0].Trim();
        var m = StateWithReason().Match(line);
        return m.Success ? new DomainStateInfo(ParseState(m.Groups[1].Value), m.Groups[2].Value)
            : new DomainStateInfo(ParseState(line), null);
    }

    public static DomainInfo ParseDomInfo(string text)
    {
        var f = KeyValues(text, "dominfo");
        return new DomainInfo(
            f.Get("Id") is "-" ? null : int.Parse(f.Get("Id"), NumberStyles.None, CultureInfo.InvariantCulture),
            f.Get("Name"),
            Guid.Parse(f.Get("UUID")),
            f.Get("OS Type"),
            ParseState(f.Get("State")),
            int.Parse(f.Get("CPU(s)"), NumberStyles.None, CultureInfo.InvariantCulture),
            KiB(f.Get("Max memory")),
            KiB(f.Get("Used memory")),
            YesNo(f.Get("Persistent")),
            f.Get("Autostart") == "enable",
            f.Find("Managed save") is "yes");
    }

    public static IReadOnlyList<DomainListEntry> ParseListUuidName(string text)
    {
        var result = new List<DomainListEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            // A name may contain spaces; the UUID never does, so split at the first one.
            var space = line.IndexOf(' ');
            if (space != 36 || !Guid.TryParse(line[..space], out var uuid))
                throw new FormatException($"unexpected `virsh list --uuid --name` line: {line}");
            result.Add(new DomainListEntry(uuid, line[(space + 1)..]));
        }
        return result;
    }

    /// <summary>`--name` listings: one name per line, blank lines between groups.</summary>
    /// <remarks>pool-list pads names with spaces to its column width; names cannot end in spaces, so trimming is
    /// safe.</remarks>
    public static IReadOnlyList<string> ParseNames(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    public static NetworkInfo ParseNetInfo(string text)
    {
        var f = KeyValues(text, "net-info");
        return new NetworkInfo(f.Get("Name"), Guid.Parse(f.Get("UUID")), YesNo(f.Get("Active")),
            YesNo(f.Get("Persistent")),
            YesNo(f.Get("Autostart")), f.Find("Bridge") is { Length: > 0 } b ? b : null);
    }

    public static PoolInfo ParsePoolInfo(string text)
    {
        var f = KeyValues(text, "pool-info");
        return new PoolInfo(f.Get("Name"), Guid.Parse(f.Get("UUID")), f.Get("State"), YesNo(f.Get("Persistent")),
            YesNo(f.Get("Autostart")),
            Bytes(f.Find("Capacity")), Bytes(f.Find("Allocation")), Bytes(f.Find("Available")));

        static long? Bytes(string? v) =>
            v is null ? null : long.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>The table of `virsh secret-list` (it has no --uuid or --name mode in libvirt 9.0).</summary>
    public static IReadOnlyList<SecretListEntry> ParseSecretList(string text)
    {
        var result = new List<SecretListEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            // Rows start with the UUID; the header and the dashed rule do not.
            if (line.Length < 36 || !Guid.TryParse(line[..36], out var uuid)) continue;
            result.Add(new SecretListEntry(uuid, line[36..].Trim()));
        }
        return result;
    }

    private static bool YesNo(string v) => v switch
    {
        "yes" => true,
        "no" => false,
        _ => throw new FormatException($"expected yes or no, got '{v}'"),
    };

    /// <summary>`524288 KiB` → 524288.</summary>
    private static long KiB(string v)
    {
        var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) throw new FormatException($"unexpected memory value '{v}'");
        return LibvirtUnits.ToKiB(parts[0], parts.Length == 2 ? parts[1] : null);
    }

    private static Fields KeyValues(string text, string command)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var colon = raw.IndexOf(':');
            if (colon <= 0) continue;
            values.TryAdd(raw[..colon].Trim(), raw[(colon + 1)..].Trim());
        }
        return new Fields(values, command);
    }

    private sealed class Fields(Dictionary<string, string> values, string command)
    {
        public string Get(string key) =>
            values.TryGetValue(key, out var v) ? v
            : throw new FormatException($"`virsh {command}` printed no '{key}' line");
        public string? Find(string key) => values.GetValueOrDefault(key);
    }

    [GeneratedRegex(@"\A(.+?) \((.+)\)\z")]
    private static partial Regex StateWithReason();
}
