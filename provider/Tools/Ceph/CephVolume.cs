using System.Globalization;
using System.Text.Json;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// `ceph-volume` on an OSD host: turning a raw block device into a BlueStore OSD (`raw prepare`,
/// `raw activate`), listing OSDs on devices (`raw list`) and describing devices (`inventory`).
/// Facts from Ceph 16.2.15 that shape it:
/// <list type="bullet">
/// <item>`raw list` and `raw activate` look a device up by its kernel name and crash (IndexError)
/// on a symlink such as /dev/vdb or /dev/disk/by-id/…, so device paths are resolved on the host
/// (`readlink -e`) first.</item>
/// <item>`raw activate` refuses to run without `--no-systemd` ("systemd support not yet
/// implemented"); the caller enables and starts `ceph-osd@ID` itself.</item>
/// <item>`raw prepare` on a device that already carries an OSD label exits 0 ("is already
/// prepared") and changes nothing.</item>
/// </list>
/// `lvm list` is not offered: the lab kernel has no device-mapper, so no real LVM output could be
/// captured to parse against.
/// </summary>
public sealed class CephVolume
{
    internal const string Tool = "ceph-volume";
    private readonly IHost _host;

    public CephVolume(IHost host, CephContext? context = null, TimeSpan? commandTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        Context = context ?? CephContext.Default;
        Context.Validate();
        // mkfs of a large device and the monitor round trips of `osd new` take a while.
        CommandTimeout = commandTimeout ?? TimeSpan.FromMinutes(10);
    }

    public IHost Host => _host;
    public CephContext Context { get; }
    public TimeSpan CommandTimeout { get; }

    public string[] Argv(params string[] command) => [Tool, .. Context.CephVolumeOptions(), .. command];

    /// <summary>
    /// The kernel path behind a device path (`/dev/vdb` → `/dev/loop4`); <see cref="ObjectNotFoundException"/> when
    /// nothing is there.
    /// </summary>
    public async Task<string> ResolveDeviceAsync(string device, CancellationToken ct)
    {
        CheckDevice(device);
        var r = await _host.RunAsync(["readlink", "-e", "--", device], null, TimeSpan.FromSeconds(30), ct)
            .ConfigureAwait(false);
        if (r.ExitCode != 0 || r.StdoutText.Trim().Length == 0)
            throw new ObjectNotFoundException(_host.Name, "readlink", "block device", device,
                "the path does not exist");
        return r.StdoutText.Trim();
    }

    /// <summary>
    /// `ceph-volume inventory --format json`: every device ceph-volume considers, with why it is not available.
    /// </summary>
    public async Task<IReadOnlyList<CephVolumeDevice>> InventoryAsync(CancellationToken ct)
    {
        var r = await RunAsync(["inventory", "--format", "json"], ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
        using var doc = CephJson.Parse(r.StdoutText, "ceph-volume inventory");
        return doc.RootElement.EnumerateArray().Select(ParseDevice).ToList();
    }

    /// <summary>`ceph-volume inventory --format json DEVICE` for one device.</summary>
    public async Task<CephVolumeDevice> InventoryAsync(string device, CancellationToken ct)
    {
        var path = await ResolveDeviceAsync(device, ct).ConfigureAwait(false);
        var r = await RunAsync(["inventory", "--format", "json", path], ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw DeviceError(r, device);
        return ParseInventoryDevice(r.StdoutText);
    }

    /// <summary>
    /// `ceph-volume raw list --format json`: BlueStore OSDs found on raw devices (all, or one device).
    /// </summary>
    public async Task<IReadOnlyList<RawOsd>> RawListAsync(string? device, CancellationToken ct)
    {
        string[] command = ["raw", "list", "--format", "json"];
        if (device is not null) command = [.. command, await ResolveDeviceAsync(device, ct).ConfigureAwait(false)];
        var r = await RunAsync(command, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw DeviceError(r, device ?? "(all)");
        return ParseRawList(r.StdoutText);
    }

    /// <summary>
    /// `ceph-volume raw prepare --bluestore --data DEVICE`: registers a new OSD with the monitors
    /// (through the bootstrap-osd keyring) and writes BlueStore to the device. Returns the OSD as
    /// `raw list` then reports it; <see cref="RawOsd.AlreadyPrepared"/> tells that the device already
    /// carried an OSD label and nothing was written (check its <see cref="RawOsd.ClusterFsid"/>).
    /// </summary>
    public async Task<RawOsd> RawPrepareAsync(RawPrepareOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var data = await ResolveDeviceAsync(options.Device, ct).ConfigureAwait(false);
        var argv = new List<string> { "raw", "prepare", "--bluestore", "--data", data };
        if (options.CrushDeviceClass is { } cls)
            argv.AddRange(["--crush-device-class", Ceph.CheckName(cls, "device class")]);
        if (options.OsdId is { } id) argv.AddRange(["--osd-id", Ceph.OsdId(id)]);
        if (options.BlockDb is { } db)
            argv.AddRange(["--block.db", await ResolveDeviceAsync(db, ct).ConfigureAwait(false)]);
        if (options.BlockWal is { } wal)
            argv.AddRange(["--block.wal", await ResolveDeviceAsync(wal, ct).ConfigureAwait(false)]);
        if (options.NoTmpfs) argv.Add("--no-tmpfs");
        var r = await RunAsync([.. argv], ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw DeviceError(r, options.Device);
        var already = r.StderrText.Contains("is already prepared", StringComparison.Ordinal);
        var osd = (await RawListAsync(data, ct).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new
                FormatException($"`{r.CommandLine}` on {_host.Name} succeeded, but `ceph-volume raw list {data}` " +
                "shows no OSD on the device");
        return osd with { AlreadyPrepared = already };
    }

    /// <summary>
    /// `ceph-volume raw activate --device DEVICE --no-systemd`: mounts the OSD's data directory
    /// (a tmpfs unless <paramref name="noTmpfs"/>) and links its block device. It does not start the
    /// daemon: enable and start `ceph-osd@ID` afterwards, and activate again after every boot when
    /// the data directory is a tmpfs.
    /// </summary>
    public async Task RawActivateAsync(string device, bool noTmpfs, CancellationToken ct)
    {
        var data = await ResolveDeviceAsync(device, ct).ConfigureAwait(false);
        string[] command = ["raw", "activate", "--device", data, "--no-systemd",
            .. noTmpfs ? new[] { "--no-tmpfs" } : []];
        var r = await RunAsync(command, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw DeviceError(r, device);
    }

    private async Task<CommandResult> RunAsync(string[] command, CancellationToken ct)
    {
        var r = await _host.RunAsync(Argv(command), null, CommandTimeout, ct).ConfigureAwait(false);
        // Debian and Ubuntu ship ceph-volume with (or as a dependency of) ceph-osd.
        if (r.ExitCode == 127) throw new ToolMissingException(_host.Name, Tool, "ceph-osd");
        CephFailure.ThrowIfUnreachable(r, Tool);
        return r;
    }

    private Exception DeviceError(CommandResult r, string device)
    {
        // ceph-volume relays lsblk: "lsblk: /dev/x: not a block device".
        if (r.StderrText.Contains("not a block device", StringComparison.Ordinal))
            return new ObjectNotFoundException(_host.Name, Tool, "block device", device, CephFailure.Message(r));
        return CephFailure.Failed(r);
    }

    private static void CheckDevice(string device)
    {
        if (string.IsNullOrEmpty(device) || !device.StartsWith("/dev/", StringComparison.Ordinal))
            throw new ArgumentException($"a data device must be a path under /dev, got \"{device}\"", nameof(device));
    }

    public static CephVolumeDevice ParseInventoryDevice(string json)
    {
        using var doc = CephJson.Parse(json, "ceph-volume inventory");
        return ParseDevice(doc.RootElement);
    }

    private static CephVolumeDevice ParseDevice(JsonElement d)
    {
        // sys_api is whatever ceph-volume read from /sys: kept as text, not interpreted, because
        // the lab's loop devices leave it empty and no real disk's output was captured.
        var sys = d.Obj("sys_api") is { ValueKind: JsonValueKind.Object } s
            ? s.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Text(), StringComparer.Ordinal)
            : new Dictionary<string, string>();
        return new CephVolumeDevice(d.RequiredStr("path", "ceph-volume inventory"), d.Bool("available"),
            d.Strings("rejected_reasons"),
            d.Str("device_id") is { Length: > 0 } id ? id : null, d.Bool("ceph_device"), d.Arr("lvs").Count(), sys);
    }

    public static IReadOnlyList<RawOsd> ParseRawList(string json)
    {
        using var doc = CephJson.Parse(json, "ceph-volume raw list");
        // An object keyed by OSD uuid; {} when there is none.
        return doc.RootElement.EnumerateObject().Select(o => new RawOsd(
            o.Value.Int("osd_id", -1),
            o.Value.Str("osd_uuid") ?? o.Name,
            o.Value.Str("ceph_fsid") ?? "",
            o.Value.Str("device") ?? "",
            o.Value.Str("type") ?? "",
            o.Value.Str("device_db"),
            o.Value.Str("device_wal"))).OrderBy(o => o.OsdId).ToList();
    }
}

/// <summary>
/// A device as `ceph-volume inventory` judges it; <see cref="RejectedReasons"/> says why it cannot become an OSD.
/// </summary>
public sealed record CephVolumeDevice(string Path, bool Available, IReadOnlyList<string> RejectedReasons,
    string? DeviceId, bool CephDevice,
    int LogicalVolumes, IReadOnlyDictionary<string, string> SysApi)
{
    /// <summary>ceph-volume's "Has BlueStore device label": the device already belongs to an OSD.</summary>
    public bool HasBlueStoreLabel =>
        RejectedReasons.Any(r => r.Contains("BlueStore device label", StringComparison.Ordinal));
}

/// <summary>A BlueStore OSD on a raw device (`ceph-volume raw list`).</summary>
public sealed record RawOsd(int OsdId, string OsdUuid, string ClusterFsid, string Device, string Type, string? DeviceDb,
    string? DeviceWal)
{
    /// <summary>
    /// Set by <see cref="CephVolume.RawPrepareAsync"/> when the device already had this OSD and nothing was written.
    /// </summary>
    public bool AlreadyPrepared { get; init; }

    public string Name => "osd." + OsdId.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Arguments of `ceph-volume raw prepare`. Device paths may be symlinks; they are resolved on the host.
/// </summary>
public sealed record RawPrepareOptions(string Device)
{
    public string? CrushDeviceClass { get; init; }
    /// <summary>Reuse a destroyed OSD's id (`ceph osd destroy` keeps it).</summary>
    public int? OsdId { get; init; }
    public string? BlockDb { get; init; }
    public string? BlockWal { get; init; }
    /// <summary>
    /// Keep the data directory on disk instead of a tmpfs, so `ceph-osd@ID` starts after a reboot without
    /// re-activating.
    /// </summary>
    public bool NoTmpfs { get; init; }
}
