using System.Globalization;
using System.Xml.Linq;

namespace Mvm.Tools;

/// <summary>
/// Turns a <see cref="DomainSpec"/> into domain XML, in the element order libvirt itself prints,
/// leaving to libvirt what it fills in better (PCI addresses, emulator path, versioned machine,
/// firmware files when UEFI is chosen automatically).
/// </summary>
internal static class DomainXmlBuilder
{
    /// <summary>The virtio-serial port qemu-guest-agent listens on.</summary>
    public const string GuestAgentChannel = "org.qemu.guest_agent.0";

    private static readonly XNamespace Mvm = DomainXml.MetadataNamespace;

    public static XElement Build(DomainSpec spec)
    {
        spec.Validate();
        var domain = new XElement("domain", new XAttribute("type", spec.Type == DomainType.Kvm ? "kvm" : "qemu"),
            new XElement("name", spec.Name));
        if (spec.Uuid is { } uuid) domain.Add(new XElement("uuid", uuid.ToString("D")));
        if (spec.Description is { } description) domain.Add(new XElement("description", description));
        if (spec.Metadata.Count > 0)
        {
            var mine = MetadataRoot();
            foreach (var (key, value) in spec.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                mine.Add(MetadataItem(key, value));
            domain.Add(new XElement("metadata", mine));
        }
        domain.Add(
            Size("memory", spec.MemoryKiB),
            Size("currentMemory", spec.CurrentMemoryKiB ?? spec.MemoryKiB),
            new XElement("vcpu", new XAttribute("placement", "static"),
                new XAttribute("current", Num(spec.Vcpus ?? spec.MaxVcpus)), Num(spec.MaxVcpus)),
            Os(spec),
            Features(spec));
        if (spec.Cpu is { } cpu) domain.Add(Cpu(cpu));
        // Cloud images keep the RTC in UTC.
        domain.Add(new XElement("clock", new XAttribute("offset", "utc")));
        domain.Add(Devices(spec));
        return domain;
    }

    public static XElement MetadataRoot() =>
        new(Mvm + "domain", new XAttribute(XNamespace.Xmlns + "mvm", DomainXml.MetadataNamespace));

    public static XElement MetadataItem(string key, string value) =>
        new(Mvm + "item", new XAttribute("name", key), value);

    private static XElement Size(string name, long kib) =>
        new(name, new XAttribute("unit", "KiB"), LibvirtUnits.Format(kib));

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static XElement Os(DomainSpec spec)
    {
        var os = new XElement("os");
        os.Add(new XElement("type", new XAttribute("arch", spec.Arch), new XAttribute("machine", spec.Machine), "hvm"));
        if (spec.Firmware == Firmware.Uefi)
        {
            // Automatic selection from the firmware descriptors the OVMF package installs: no
            // distribution-specific paths in the provider, and libvirt creates the NVRAM file
            // from the matching template on first start.
            os.SetAttributeValue("firmware", "efi");
            var state = spec.SecureBoot ? "yes" : "no";
            os.Add(new XElement("firmware",
                new XElement("feature", new XAttribute("enabled", state), new XAttribute("name", "enrolled-keys")),
                new XElement("feature", new XAttribute("enabled", state), new XAttribute("name", "secure-boot"))));
        }
        foreach (var dev in spec.BootDevices) os.Add(new XElement("boot", new XAttribute("dev", dev)));
        return os;
    }

    private static XElement Features(DomainSpec spec)
    {
        var features = new XElement("features", new XElement("acpi"), new XElement("apic"));
        // Secure Boot firmware only works with System Management Mode on.
        if (spec.SecureBoot) features.Add(new XElement("smm", new XAttribute("state", "on")));
        return features;
    }

    public static XElement Cpu(CpuSpec cpu) => cpu.Mode switch
    {
        CpuMode.HostPassthrough => new XElement("cpu", new XAttribute("mode", "host-passthrough")),
        CpuMode.HostModel => new XElement("cpu", new XAttribute("mode", "host-model")),
        CpuMode.Maximum => new XElement("cpu", new XAttribute("mode", "maximum")),
        // forbid: a model the host cannot run must fail at start, not quietly become another CPU
        // (which would also break migration to hosts that do have it).
        _ => new XElement("cpu", new XAttribute("mode", "custom"), new XAttribute("match", "exact"),
            new XElement("model", new XAttribute("fallback", "forbid"), cpu.Model)),
    };

    private static XElement Devices(DomainSpec spec)
    {
        var devices = new XElement("devices");
        foreach (var d in spec.Disks) devices.Add(Disk(d));
        var scsi = spec.ScsiController || spec.Disks.Any(d => d.Bus == DiskBus.Scsi);
        if (scsi)
            devices.Add(new XElement("controller", new XAttribute("type", "scsi"), new XAttribute("index", "0"),
            new XAttribute("model", "virtio-scsi")));
        // No USB: nothing the provider attaches uses it, and on q35 it would take a PCIe port.
        devices.Add(new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "none")));
        if (IsQ35(spec.Machine))
        {
            var pciDevices = spec.Disks.Count(d => d.Bus == DiskBus.Virtio) + spec.Interfaces.Count
                + (scsi ? 1 : 0) + (spec.MemoryBalloon ? 1 : 0) + (spec.GuestAgent ? 1 : 0) + (spec.Rng ? 1 : 0);
            devices.Add(new XElement("controller", new XAttribute("type", "pci"), new XAttribute("index", "0"),
                new XAttribute("model", "pcie-root")));
            // Unnumbered ports: libvirt numbers them and assigns the devices above to the first ones.
            for (var i = 0; i < pciDevices + spec.HotplugSlots; i++)
                devices.Add(new XElement("controller", new XAttribute("type", "pci"),
                    new XAttribute("model", "pcie-root-port")));
        }
        foreach (var nic in spec.Interfaces) devices.Add(Interface(nic));
        if (spec.SerialConsole)
        {
            devices.Add(new XElement("serial", new XAttribute("type", "pty"),
                new XElement("target", new XAttribute("port", "0"))));
            devices.Add(new XElement("console", new XAttribute("type", "pty"),
                new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", "0"))));
        }
        if (spec.GuestAgent)
        {
            devices.Add(new XElement("channel", new XAttribute("type", "unix"),
                new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", GuestAgentChannel))));
        }
        // libvirt adds a balloon unless told not to, so "none" has to be explicit.
        devices.Add(new XElement("memballoon", new XAttribute("model", spec.MemoryBalloon ? "virtio" : "none")));
        if (spec.Rng)
        {
            devices.Add(new XElement("rng", new XAttribute("model", "virtio"),
                new XElement("backend", new XAttribute("model", "random"), "/dev/urandom")));
        }
        return devices;
    }

    private static bool IsQ35(string machine) =>
        machine == "q35" || machine.StartsWith("pc-q35", StringComparison.Ordinal);

    /// <summary>
    /// A `&lt;disk&gt;` element: also what
    /// <see cref="Virsh.AttachDeviceAsync(string, DiskSpec, ChangeScope, CancellationToken)"/> sends.
    /// </summary>
    public static XElement Disk(DiskSpec d)
    {
        var disk = new XElement("disk", new XAttribute("type", d.Source is RbdDiskSource ? "network" : "file"),
            new XAttribute("device", d.Device == DiskDevice.Cdrom ? "cdrom" : "disk"));
        var driver = new XElement("driver", new XAttribute("name", "qemu"));
        disk.Add(driver);
        switch (d.Source)
        {
            case FileDiskSource f:
                driver.SetAttributeValue("type", f.Format);
                disk.Add(new XElement("source", new XAttribute("file", f.Path)));
                break;
            case RbdDiskSource r:
                // RBD images are raw block devices to QEMU; any format lives inside the guest's view.
                driver.SetAttributeValue("type", "raw");
                var source = new XElement("source", new XAttribute("protocol", "rbd"),
                    new XAttribute("name", $"{r.Pool}/{r.Image}"));
                foreach (var m in r.Monitors)
                {
                    var host = new XElement("host", new XAttribute("name", m.Host));
                    if (m.Port is { } port) host.SetAttributeValue("port", Num(port));
                    source.Add(host);
                }
                if (r.Auth is { } auth) source.Add(Auth(auth));
                disk.Add(source);
                break;
            default:
                throw new ArgumentException($"disk {d.TargetDev}: unsupported source {d.Source.GetType().Name}");
        }
        if (d.Cache is { } cache) driver.SetAttributeValue("cache", cache);
        if (d.Discard) driver.SetAttributeValue("discard", "unmap");
        disk.Add(new XElement("target", new XAttribute("dev", d.TargetDev),
            new XAttribute("bus", d.Bus.ToString().ToLowerInvariant())));
        if (d.ReadOnly || d.Device == DiskDevice.Cdrom) disk.Add(new XElement("readonly"));
        if (d.Serial is { } serial) disk.Add(new XElement("serial", serial));
        return disk;
    }

    /// <summary>cephx credentials by reference: the key itself stays in libvirt's secret store.</summary>
    public static XElement Auth(CephAuth auth) =>
        new("auth", new XAttribute("username", auth.Username),
            new XElement("secret", new XAttribute("type", "ceph"),
                new XAttribute("uuid", auth.SecretUuid.ToString("D"))));

    /// <summary>An `&lt;interface&gt;` element: also what attach-device sends for a NIC.</summary>
    public static XElement Interface(InterfaceSpec nic)
    {
        var e = new XElement("interface",
            new XAttribute("type", nic.Kind == InterfaceKind.Bridge ? "bridge" : "network"));
        if (nic.Mac is { } mac) e.Add(new XElement("mac", new XAttribute("address", MacAddresses.Normalize(mac))));
        var source = nic.Kind == InterfaceKind.Bridge
            ? new XElement("source", new XAttribute("bridge", nic.Source))
            : new XElement("source", new XAttribute("network", nic.Source));
        if (nic.PortGroup is { } pg) source.SetAttributeValue("portgroup", pg);
        e.Add(source);
        if (nic.VlanTag is { } tag) e.Add(new XElement("vlan", new XElement("tag", new XAttribute("id", Num(tag)))));
        if (nic.OpenVSwitch) e.Add(new XElement("virtualport", new XAttribute("type", "openvswitch")));
        e.Add(new XElement("model", new XAttribute("type", nic.Model)));
        return e;
    }
}
