using System.Globalization;

namespace Mvm.Tools;

/// <summary>`virsh domblkinfo`: the guest-visible size and what it uses on the host, in bytes.</summary>
public sealed record BlockInfo(long CapacityBytes, long AllocationBytes, long PhysicalBytes);

// Domain lifecycle and live changes. Domains are named with `--domain` rather than positionally,
// so no name can be read as an option.
public sealed partial class Virsh
{
    /// <summary>`virsh define`: creates or replaces the persistent definition (XML on stdin).</summary>
    /// <param name="validate">`--validate`: libvirt checks the XML against its schema first, so a typo fails here, not
    /// as a silently ignored element.</param>
    public Task DefineAsync(DomainXml domain, bool validate = true, CancellationToken ct = default) =>
        DefineAsync(domain.ToXml(), validate, ct);

    public async Task DefineAsync(string domainXml, bool validate = true, CancellationToken ct = default)
    {
        string[] args = validate ? ["define", "--file", Stdin, "--validate"] : ["define", "--file", Stdin];
        await RunAsync(args, null, ct, Utf8(domainXml)).ConfigureAwait(false);
    }

    /// <summary>`virsh start`. Returns false when the domain was already running.</summary>
    public Task<bool> StartAsync(string domain, CancellationToken ct = default) =>
        RunUnlessAsync(["start", "--domain", domain], VirshObject.Domain(domain), "Domain is already active", ct);

    /// <summary>
    /// `virsh shutdown` (ACPI or guest agent, as the guest supports), then waits up to
    /// <paramref name="wait"/> for the domain to stop, asking again every
    /// <see cref="ShutdownRepeat"/> (a guest that was still booting drops the first request).
    /// Returns true once it is off (or already was, or a transient domain is gone), false if it
    /// still runs: the caller decides whether to <see cref="DestroyAsync"/>. A guest without an OS
    /// (or that ignores ACPI) never stops.
    /// </summary>
    /// <param name="mode">`acpi`, `agent` …; null lets libvirt choose.</param>
    public async Task<bool> ShutdownAsync(string domain, TimeSpan wait, string? mode = null,
        CancellationToken ct = default)
    {
        var target = VirshObject.Domain(domain);
        string[] args = mode is null ? ["shutdown", "--domain", domain]
            : ["shutdown", "--domain", domain, "--mode", mode];
        if (!await RunUnlessAsync(args, target, "domain is not running", ct).ConfigureAwait(false)) return true;
        var deadline = DateTime.UtcNow + wait;
        var askAgain = DateTime.UtcNow + ShutdownRepeat;
        while (true)
        {
            try
            {
                if (!(await DomStateAsync(domain, ct).ConfigureAwait(false)).IsActive) return true;
            }
            catch (ObjectNotFoundException)
            {
                return true;
            }
            var now = DateTime.UtcNow;
            if (now >= deadline) return false;
            if (now >= askAgain)
            {
                // Whatever it answers: a guest already shutting down may refuse (its agent fails),
                // or it may stop in between; the state read above is what counts.
                await RunRawAsync(args, null, null, ct).ConfigureAwait(false);
                askAgain = now + ShutdownRepeat;
            }
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>`virsh destroy`: stops the domain at once (power off). Returns false when it was not running.</summary>
    public Task<bool> DestroyAsync(string domain, CancellationToken ct = default) =>
        RunUnlessAsync(["destroy", "--domain", domain], VirshObject.Domain(domain), "domain is not running", ct);

    /// <summary>
    /// `virsh undefine`, removing what libvirt keeps beside the definition: the UEFI variable
    /// store (libvirt refuses "cannot undefine domain with nvram" otherwise), a managed-save
    /// image, and snapshot/checkpoint metadata. Disks are never touched. Undefining a running
    /// domain only makes it transient (it keeps running): destroy it first.
    /// </summary>
    public async Task UndefineAsync(string domain, bool keepNvram = false, CancellationToken ct = default) =>
        await
            RunAsync(["undefine", "--domain", domain, "--managed-save", "--snapshots-metadata",
            "--checkpoints-metadata",
            keepNvram ? "--keep-nvram" : "--nvram"], VirshObject.Domain(domain), ct).ConfigureAwait(false);

    /// <summary>
    /// `virsh dumpxml`: the live definition (or with <paramref name="inactive"/>, the one the next boot uses).
    /// </summary>
    public async Task<DomainXml> DumpXmlAsync(string domain, bool inactive = false, CancellationToken ct = default)
    {
        string[] args = inactive ? ["dumpxml", "--domain", domain, "--inactive"] : ["dumpxml", "--domain", domain];
        var result = await RunAsync(args, VirshObject.Domain(domain), ct).ConfigureAwait(false);
        return DomainXml.Parse(result.StdoutText);
    }

    public async Task<DomainStateInfo> DomStateAsync(string domain, CancellationToken ct = default)
    {
        var result = await RunAsync(["domstate", "--domain", domain, "--reason"], VirshObject.Domain(domain), ct)
            .ConfigureAwait(false);
        return VirshOutput.ParseDomState(result.StdoutText);
    }

    public async Task<DomainInfo> DomInfoAsync(string domain, CancellationToken ct = default)
    {
        var result = await RunAsync(["dominfo", "--domain", domain], VirshObject.Domain(domain), ct)
            .ConfigureAwait(false);
        return VirshOutput.ParseDomInfo(result.StdoutText);
    }

    /// <summary>`virsh list --all --uuid --name`: every domain, running or not, by UUID and name.</summary>
    public async Task<IReadOnlyList<DomainListEntry>> ListAsync(CancellationToken ct = default)
    {
        var result = await RunAsync(["list", "--all", "--uuid", "--name"], null, ct).ConfigureAwait(false);
        return VirshOutput.ParseListUuidName(result.StdoutText);
    }

    /// <summary>`virsh setvcpus`: the number of online vCPUs, at most the maximum.</summary>
    public async Task SetVcpusAsync(string domain, int count, ChangeScope scope, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        await RunAsync(["setvcpus", "--domain", domain, "--count", Num(count), .. Scope(scope)],
            VirshObject.Domain(domain), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// `virsh setvcpus --maximum --config`: the maximum can only change in the definition (next cold boot).
    /// </summary>
    public async Task SetMaxVcpusAsync(string domain, int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        await RunAsync(["setvcpus", "--domain", domain, "--count", Num(count), "--maximum", "--config"],
            VirshObject.Domain(domain), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// `virsh setmem`: the balloon target, at most the maximum memory. Live, the guest's balloon
    /// driver gives the memory back; without one (no OS yet) QEMU accepts the target but the
    /// guest keeps its memory.
    /// </summary>
    public async Task SetMemAsync(string domain, long kib, ChangeScope scope, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kib, 1);
        await RunAsync(["setmem", "--domain", domain, "--size", Num(kib) + "KiB", .. Scope(scope)],
            VirshObject.Domain(domain), ct).ConfigureAwait(false);
    }

    /// <summary>`virsh setmaxmem --config`: the boot-time maximum, for the next cold boot.</summary>
    public async Task SetMaxMemAsync(string domain, long kib, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kib, 1);
        await RunAsync(["setmaxmem", "--domain", domain, "--size", Num(kib) + "KiB", "--config"],
            VirshObject.Domain(domain), ct).ConfigureAwait(false);
    }

    /// <summary>`virsh attach-device` with the device XML on stdin.</summary>
    public async Task AttachDeviceAsync(string domain, string deviceXml, ChangeScope scope,
        CancellationToken ct = default) =>
        await RunAsync(["attach-device", "--domain", domain, "--file", Stdin, .. Scope(scope)],
            VirshObject.Domain(domain), ct, Utf8(deviceXml))
            .ConfigureAwait(false);

    public Task AttachDeviceAsync(string domain, DiskSpec disk, ChangeScope scope, CancellationToken ct = default)
    {
        disk.Validate(domain);
        return AttachDeviceAsync(domain, DomainXmlBuilder.Disk(disk).ToString(), scope, ct);
    }

    public Task AttachDeviceAsync(string domain, InterfaceSpec nic, ChangeScope scope, CancellationToken ct = default)
    {
        nic.Validate(domain);
        return AttachDeviceAsync(domain, DomainXmlBuilder.Interface(nic).ToString(), scope, ct);
    }

    /// <summary>
    /// `virsh detach-device` with the device XML on stdin. A missing device is
    /// <see cref="ObjectNotFoundException"/> (Kind `device`). Live detach of a virtio (PCI) device
    /// needs the guest to release it: virsh reports success once the request is sent and the
    /// device may stay until the guest acts, so read the live XML back to know it is gone.
    /// Disks on the SCSI bus detach at once.
    /// </summary>
    public async Task DetachDeviceAsync(string domain, string deviceXml, ChangeScope scope, string? deviceName = null,
        CancellationToken ct = default) =>
        await RunAsync(["detach-device", "--domain", domain, "--file", Stdin, .. Scope(scope)],
            VirshObject.Domain(domain), ct, Utf8(deviceXml),
            new VirshObject("device", deviceName ?? "(from XML)")).ConfigureAwait(false);

    /// <summary>
    /// Detaches a disk as the domain's own XML describes it (libvirt matches disks on the target alone, so live XML
    /// works for both scopes).
    /// </summary>
    public Task DetachDeviceAsync(string domain, DomainDisk disk, ChangeScope scope, CancellationToken ct = default) =>
        DetachDeviceAsync(domain, disk.ToXml(), scope, disk.TargetDev, ct);

    /// <summary>
    /// Detaches a NIC read from the domain's XML, identified by its MAC (<see cref="DomainInterface.DetachXml"/>).
    /// </summary>
    public Task DetachDeviceAsync(string domain, DomainInterface nic, ChangeScope scope,
        CancellationToken ct = default) =>
        DetachDeviceAsync(domain, nic.DetachXml(), scope, nic.Mac, ct);

    public Task DetachDeviceAsync(string domain, DiskSpec disk, ChangeScope scope, CancellationToken ct = default) =>
        DetachDeviceAsync(domain, DomainXmlBuilder.Disk(disk).ToString(), scope, disk.TargetDev, ct);

    public Task DetachDeviceAsync(string domain, InterfaceSpec nic, ChangeScope scope, CancellationToken ct = default)
    {
        if (nic.Mac is null) throw new
            ArgumentException($"domain {domain}: a NIC is detached by its MAC, and this spec has none");
        return DetachDeviceAsync(domain, DomainXmlBuilder.Interface(nic).ToString(), scope, nic.Mac, ct);
    }

    /// <summary>
    /// `virsh domblkinfo` for one disk (by target, e.g. `vda`); libvirt 9.0 prints bytes unless --human.
    /// </summary>
    public async Task<BlockInfo> DomBlkInfoAsync(string domain, string disk, CancellationToken ct = default)
    {
        var result = await RunAsync(["domblkinfo", "--domain", domain, "--device", disk], VirshObject.Domain(domain),
            ct,
            device: new VirshObject("disk", disk)).ConfigureAwait(false);
        var values = result.StdoutText.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        long Get(string key) =>
            values.TryGetValue(key, out var v) ? long.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw new FormatException($"`virsh domblkinfo` printed no {key} line on {_host.Name}");
        return new BlockInfo(Get("Capacity"), Get("Allocation"), Get("Physical"));
    }

    /// <summary>
    /// `virsh blockresize` of a running domain's disk (by target, e.g. `vda`), in bytes. QEMU
    /// shrinks as willingly as it grows, destroying the data past the new end, so a smaller size
    /// is refused unless <paramref name="allowShrink"/> (which costs one extra read of the size).
    /// </summary>
    public async Task BlockResizeAsync(string domain, string disk, long bytes, bool allowShrink = false,
        CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        if (!allowShrink)
        {
            var current = await DomBlkInfoAsync(domain, disk, ct).ConfigureAwait(false);
            if (bytes < current.CapacityBytes)
                throw new
                    ArgumentException($"refusing to shrink disk {disk} of domain {domain} on {_host.Name} " +
                    $"from {current.CapacityBytes} to {bytes} bytes: " +
                    "the guest would lose the data past the new end");
        }
        await RunAsync(["blockresize", "--domain", domain, "--path", disk, "--size", Num(bytes) + "B"],
            VirshObject.Domain(domain), ct,
            device: new VirshObject("disk", disk)).ConfigureAwait(false);
    }

    /// <summary>
    /// `virsh migrate`, run on the source host: virsh connects to the destination itself (so the
    /// source needs SSH access to it), QEMU streams the memory, and with the default options the
    /// domain ends up defined only on the destination. Disks must be shared (RBD).
    /// </summary>
    public async Task MigrateAsync(string domain, MigrateOptions options, TimeSpan timeout,
        CancellationToken ct = default) =>
        await RunAsync(MigrateArgs(domain, options), VirshObject.Domain(domain), ct,
            stdin: options.PersistentXml is { } xml ? Utf8(xml) : null, timeout: timeout).ConfigureAwait(false);

    /// <summary>
    /// `virsh metadata --set`: replaces the provider's metadata element (all its items) in the
    /// running domain and/or its definition, without redefining the domain.
    /// </summary>
    public async Task SetMetadataAsync(string domain, IReadOnlyDictionary<string, string> items, ChangeScope scope,
        CancellationToken ct = default)
    {
        // libvirt puts the element into the namespace itself (prefix = key); given one already namespaced it fails.
        var root = new System.Xml.Linq.XElement("domain", items.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv =>
                new System.Xml.Linq.XElement("item", new System.Xml.Linq.XAttribute("name", kv.Key), kv.Value)));
        await
            RunAsync(["metadata", "--domain", domain, "--uri", DomainXml.MetadataNamespace, "--key", "mvm", "--set",
            root.ToString(System.Xml.Linq.SaveOptions.DisableFormatting), .. Scope(scope)],
            VirshObject.Domain(domain), ct).ConfigureAwait(false);
    }

    internal static string[] MigrateArgs(string domain, MigrateOptions o)
    {
        o.Validate();
        var args = new List<string> { "migrate", "--domain", domain, "--desturi", o.DestinationUri };
        if (o.Live) args.Add("--live");
        if (o.Offline) args.Add("--offline");
        if (o.Persistent) args.Add("--persistent");
        if (o.UndefineSource) args.Add("--undefinesource");
        if (o.PersistentXml is not null) args.AddRange(["--persistent-xml", Stdin]);
        if (o.AutoConverge) args.Add("--auto-converge");
        if (o.MigrateUri is { } uri) args.AddRange(["--migrateuri", uri]);
        if (o.BandwidthMiBs is { } bw) args.AddRange(["--bandwidth", Num(bw)]);
        return [.. args];
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
