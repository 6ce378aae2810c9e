using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>Declared data devices resolved to kernel devices, and those already OSDs of the cluster.</summary>
internal sealed record PreflightDevicesResult(IReadOnlyDictionary<string, string> Resolved,
    IReadOnlyDictionary<string, int> ExistingOsds);

/// <summary>
/// Preflight of the Ceph data devices: each exists, is a block device, is declared once, and holds
/// nothing (no partition table, filesystem or other signature, no mount, no swap) unless it is
/// already a BlueStore OSD of this very cluster, as after a create that stopped half-way.
/// </summary>
internal static class PreflightDevices
{
    /// <summary>ceph-volume rejects smaller devices ("Insufficient space (&lt;5GB)").</summary>
    public const long MinimumBytes = 5L * 1024 * 1024 * 1024;

    public static bool IsDevicePath(string device) =>
        device.StartsWith("/dev/", StringComparison.Ordinal) && device.Length > "/dev/".Length;

    public static async Task<PreflightDevicesResult> CheckAsync(RemoteHost host, HostFactsResult facts,
        IReadOnlyList<string> declared, PreflightRequirements req,
        PreflightFindings found, CancellationToken ct)
    {
        var n = found.Host;
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        var existing = new Dictionary<string, int>(StringComparer.Ordinal);
        var labelled = new List<DeviceProbe>();
        foreach (var device in declared)
        {
            if (!IsDevicePath(device))
            {
                found.Problem($"Host {n}: data device \"{device}\" is not a device path; name it as an absolute path " +
                    $"under /dev, e.g. /dev/sdb or /dev/disk/by-id/….");
                continue;
            }
            var probe = facts.Devices.First(p => p.Path == device);
            if (probe.KernelPath is not { } kernel)
            {
                found.Problem($"Host {n} has no device {device} (in `dataDevices`): nothing exists at that path. " +
                    $"Find the disk's path with `lsblk` on {n} " +
                    "(a name under /dev/disk/by-id/ stays the same across reboots), or remove it from `dataDevices`.");
                continue;
            }
            if (!probe.IsBlockDevice)
            {
                found.Problem($"Host {n}: data device {device}{Via(device, kernel)} is not a block device. Name a " +
                    $"whole disk, e.g. /dev/sdb or /dev/disk/by-id/….");
                continue;
            }
            resolved[device] = kernel;
        }

        // Two paths to one disk would become two OSDs on the same disk.
        var firstPathOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in resolved.GroupBy(kv => kv.Value, StringComparer.Ordinal))
        {
            var paths = group.Select(kv => kv.Key).ToList();
            firstPathOf[group.Key] = paths[0];
            if (paths.Count > 1)
                found.Problem($"Host {n}: data devices {string.Join(" and ", paths)} are the same disk " +
                    $"({group.Key}). Declare each disk once in `dataDevices`.");
        }

        foreach (var (device, kernel) in resolved)
        {
            if (firstPathOf[kernel] != device) continue;
            var probe = facts.Devices.First(p => p.Path == device);
            if (probe.IsCephBlueStore)
            {
                labelled.Add(probe);
                continue;
            }
            CheckUnused(facts, probe, kernel, found);
        }

        foreach (var probe in labelled)
        {
            var osd = await ExistingOsdAsync(host, probe, req, found, ct).ConfigureAwait(false);
            if (osd is not null) existing[probe.Path] = osd.Value;
        }
        return new PreflightDevicesResult(resolved, existing);
    }

    private static void CheckUnused(HostFactsResult facts, DeviceProbe probe, string kernel, PreflightFindings found)
    {
        var n = found.Host;
        var device = probe.Path;
        var lsblk = facts.FindBlockDevice(kernel);
        if (lsblk is null)
        {
            // lsblk leaves out devices of size 0, such as a loop device with no file behind it.
            found.Problem($"Host {n}: data device {device}{Via(device, kernel)} has no capacity (lsblk does not list " +
                $"it; an empty card reader or unattached loop device). Attach the disk or name another one.");
            return;
        }
        if (lsblk.ReadOnly)
            found.Problem($"Host {n}: data device {device}{Via(device, kernel)} is read-only. Make it writable (e.g. " +
                $"clear the controller's write protection) or name another disk.");
        if (lsblk.SizeBytes < MinimumBytes)
            found.Problem($"Host {n}: data device {device}{Via(device, kernel)} has " +
                $"{lsblk.SizeBytes / (1024 * 1024)} MiB; Ceph needs at least 5 GiB per OSD. Name a larger disk.");

        var uses = new List<string>();
        if (probe.PartitionTableType is { } pt) uses.Add($"holds a {pt} partition table");
        if (lsblk.Children.Count > 0) uses.Add($"has partitions or holders " +
            $"({string.Join(", ", lsblk.Children.Select(c => c.Name))})");
        if (probe.SignatureType is { } type) uses.Add("holds " +
            $"{Signature(type, probe.Signature.GetValueOrDefault("USAGE"))}");
        else if (lsblk.FsType is { } fs) uses.Add($"holds {Signature(fs, null)} (lsblk)");
        if (probe.AmbivalentSignature) uses.Add("holds several conflicting signatures (blkid: ambivalent result)");
        // lsblk shows an active swap area as the mount point "[SWAP]"; /proc/swaps is the authority for it.
        var all = new[] { lsblk }.Concat(lsblk.Children).ToList();
        var mounts = all.SelectMany(d => d.MountPoints).Where(m => m != "[SWAP]").Distinct().ToList();
        if (mounts.Count > 0) uses.Add($"is mounted at {string.Join(", ", mounts)}");
        var swap = all.Any(d => facts.SwapDevices.Contains(d.Path) || d.MountPoints.Contains("[SWAP]"));
        if (swap) uses.Add("is in use as swap");
        if (uses.Count == 0) return;

        var steps = new List<string>();
        if (mounts.Count > 0) steps.Add($"unmount it (`umount {string.Join(" ", mounts)}`) and remove it from " +
            $"/etc/fstab");
        if (swap) steps.Add($"turn its swap off (`swapoff {kernel}`) and remove it from /etc/fstab");
        steps.Add($"wipe it with `wipefs -a {device}` on {n}");
        found.Problem($"Host {n}: data device {device}{Via(device, kernel)} is not empty: it {JoinAnd(uses)}. Ceph " +
            $"would overwrite it. " +
            $"If its data is not needed, {JoinAnd(steps)}, then run again; otherwise declare another device.");
    }

    /// <summary>
    /// Which OSD a BlueStore-labelled device is, through `ceph-volume raw list`. A device that is an
    /// OSD of <see cref="PreflightRequirements.ExistingFsid"/> is returned (kept, not refused);
    /// anything else with a label is a problem: the disk belongs to some cluster.
    /// </summary>
    private static async Task<int?> ExistingOsdAsync(RemoteHost host, DeviceProbe probe, PreflightRequirements req,
        PreflightFindings found, CancellationToken ct)
    {
        var n = found.Host;
        var device = probe.Path;
        var kernel = probe.KernelPath!;
        var wipe = $"If that cluster and its data are gone, wipe the disk with `wipefs -a {device}` on {n} and run " +
            $"again; otherwise declare another device.";
        IReadOnlyList<RawOsd> osds;
        try
        {
            osds = await new CephVolume(host, commandTimeout: TimeSpan.FromMinutes(2)).RawListAsync(kernel, ct)
                .ConfigureAwait(false);
        }
        catch (ToolMissingException)
        {
            // Nothing of this cluster can be on a host that lacks ceph-volume: the provider installs
            // it before it prepares any OSD.
            found.Problem($"Host {n}: data device {device}{Via(device, kernel)} carries a Ceph BlueStore label (it " +
                $"is or was an OSD of some Ceph cluster), " +
                $"and ceph-volume is not installed to tell which. {wipe}");
            return null;
        }
        catch (Exception e) when (e is ProviderException or FormatException || HostErrors.CommandFailed(e))
        {
            found.Problem($"Host {n}: data device {device}{Via(device, kernel)} carries a Ceph BlueStore label, and " +
                $"`ceph-volume raw list` could not read it: {FirstLine(e.Message)}. {wipe}");
            return null;
        }

        var osd = osds.FirstOrDefault(o => o.Device == kernel) ?? osds.FirstOrDefault();
        if (osd is null)
        {
            found.Problem($"Host {n}: data device {device}{Via(device, kernel)} starts with a Ceph BlueStore label " +
                $"that ceph-volume does not list as an OSD (a partly written or damaged OSD). " +
                $"If its data is not needed, wipe it with `wipefs -a {device}` on {n} and run again; otherwise " +
                    $"declare another device.");
            return null;
        }
        if (req.ExistingFsid is { } fsid && string.Equals(osd.ClusterFsid, fsid, StringComparison.OrdinalIgnoreCase))
            return osd.OsdId;
        found.Problem(req.ExistingFsid is { } mine
            ? $"Host {n}: data device {device}{Via(device, kernel)} is {osd.Name} of another Ceph cluster (fsid " +
                $"{osd.ClusterFsid}), not of this one ({mine}). {wipe}"
            : $"Host {n}: data device {device}{Via(device, kernel)} is already {osd.Name} of Ceph cluster " +
                $"{osd.ClusterFsid}. {wipe}");
        return null;
    }

    private static string Via(string device, string kernel) => device == kernel ? "" : $" ({kernel})";

    private static string Signature(string type, string? usage) => type switch
    {
        "swap" => "a swap signature",
        "LVM2_member" => "an LVM physical volume",
        "linux_raid_member" => "a Linux RAID member",
        "ceph_bluestore" => "a Ceph BlueStore label",
        _ when usage == "filesystem" || usage is null => $"{Article(type)} {type} filesystem",
        _ => $"{Article(type)} {type} signature",
    };

    private static string Article(string word) => word.Length > 0 && "aeiouAEIOU".Contains(word[0]) ? "an" : "a";

    private static string JoinAnd(IReadOnlyList<string> parts) =>
        parts.Count <= 1 ? string.Concat(parts) : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1];

    private static string FirstLine(string s) => s.Split('\n', 2)[0].TrimEnd('.');
}
