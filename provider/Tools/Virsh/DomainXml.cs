using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Mvm.Tools;

/// <summary>
/// A libvirt domain definition, typed where the provider manages it and untouched everywhere
/// else. It wraps the parsed XML tree: getters read it, setters and Add/Remove change only the
/// managed elements, and <see cref="ToXml"/> writes back every element and attribute it was
/// given — including devices, addresses, aliases and extensions the provider does not know — so
/// reading a domain with `virsh dumpxml` and defining it again never loses anything.
/// </summary>
public sealed class DomainXml
{
    /// <summary>The provider's namespace inside `&lt;metadata&gt;` (libvirt requires one per application).</summary>
    public const string MetadataNamespace = "https://github.com/pulumi-resource-mvm/xmlns/domain/1";

    private static readonly XNamespace Mvm = MetadataNamespace;

    private DomainXml(XElement root) => Root = root;

    /// <summary>The `&lt;domain&gt;` element itself, for anything the typed view does not cover.</summary>
    public XElement Root { get; }

    /// <summary>Parses `virsh dumpxml` output (or any domain XML).</summary>
    public static DomainXml Parse(string xml) => new(LibvirtXml.ParseRoot(xml, "domain"));

    /// <summary>The XML to define a new domain from what the provider declares.</summary>
    public static DomainXml FromSpec(DomainSpec spec) => new(DomainXmlBuilder.Build(spec));

    /// <summary>Everything, indented, without an XML declaration (virsh accepts it on stdin as-is).</summary>
    public string ToXml() => Root.ToString();

    public override string ToString() => ToXml();

    /// <summary>The `&lt;disk&gt;` XML for a spec, as attach-device takes it.</summary>
    public static string DiskXml(DiskSpec disk)
    {
        disk.Validate("(device)");
        return DomainXmlBuilder.Disk(disk).ToString();
    }

    /// <summary>The `&lt;interface&gt;` XML for a spec, as attach-device takes it.</summary>
    public static string InterfaceXml(InterfaceSpec nic)
    {
        nic.Validate("(device)");
        return DomainXmlBuilder.Interface(nic).ToString();
    }

    public DomainXml Clone() => new(new XElement(Root));

    // ---- identity -------------------------------------------------------------------------

    public string Name
    {
        get => Root.Element("name")?.Value ?? throw new FormatException("domain XML has no <name>");
        set
        {
            DomainNames.Validate(value);
            LibvirtXml.Child(Root, "name", after: []).Value = value;
        }
    }

    /// <summary>Null only in XML that has not been defined yet and did not fix one.</summary>
    public Guid? Uuid
    {
        get => Root.Element("uuid")?.Value is { } u ? Guid.Parse(u) : null;
        set
        {
            if (value is null) Root.Element("uuid")?.Remove();
            else LibvirtXml.Child(Root, "uuid", after: ["name"]).Value = value.Value.ToString("D");
        }
    }

    public DomainType Type
    {
        get => (string?)Root.Attribute("type") switch
        {
            "kvm" => DomainType.Kvm,
            "qemu" => DomainType.Qemu,
            var t =>
                throw new
                FormatException($"domain {Name} has type '{t}'; the provider manages only kvm and qemu domains"),
        };
        set => Root.SetAttributeValue("type", value == DomainType.Kvm ? "kvm" : "qemu");
    }

    /// <summary>
    /// The running domain's id (only in live XML); null when it is not running or the XML is the inactive definition.
    /// </summary>
    public int? Id => (string?)Root.Attribute("id") is { } id ? int.Parse(id, CultureInfo.InvariantCulture) : null;

    public string? Description
    {
        get => Root.Element("description")?.Value;
        set
        {
            if (value is null) Root.Element("description")?.Remove();
            else LibvirtXml.Child(Root, "description", after: ["name", "uuid", "genid", "title"]).Value = value;
        }
    }

    // ---- memory and CPUs ------------------------------------------------------------------

    /// <summary>`&lt;memory&gt;`: the boot-time maximum, in KiB whatever unit the XML used.</summary>
    public long MemoryKiB
    {
        get => ReadSize("memory") ?? throw new FormatException($"domain {Name} has no <memory>");
        set => WriteSize("memory", value, ["name", "uuid", "genid", "title", "description", "metadata", "maxMemory"]);
    }

    /// <summary>
    /// `&lt;currentMemory&gt;`: the balloon target; libvirt treats a missing one as equal to <see cref="MemoryKiB"/>.
    /// </summary>
    public long CurrentMemoryKiB
    {
        get => ReadSize("currentMemory") ?? MemoryKiB;
        set
        {
            if (value > MemoryKiB) throw new ArgumentOutOfRangeException(nameof(value),
                $"current memory {value} KiB exceeds the maximum {MemoryKiB} KiB");
            WriteSize("currentMemory", value,
                ["name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory"]);
        }
    }

    /// <summary>The `&lt;vcpu&gt;` value: the most vCPUs without a reboot.</summary>
    public int MaxVcpus
    {
        get => int.Parse(Vcpu.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), "a domain needs at least one vCPU");
            var current = Vcpus;
            Vcpu.Value = value.ToString(CultureInfo.InvariantCulture);
            // A maximum below the current count is invalid; shrinking the maximum shrinks the current count with it.
            if (current > value) Vcpu.SetAttributeValue("current", value.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>vCPUs online at boot (`current`), or the maximum when the attribute is absent.</summary>
    public int Vcpus
    {
        get =>
            (string?)Vcpu.Attribute("current") is { } c ? int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture)
            : MaxVcpus;
        set
        {
            if (value < 1 || value > MaxVcpus)
                throw new ArgumentOutOfRangeException(nameof(value),
                    $"{value} vCPUs is outside 1..{MaxVcpus} (the maximum)");
            Vcpu.SetAttributeValue("current", value.ToString(CultureInfo.InvariantCulture));
        }
    }

    public string? VcpuPlacement => (string?)Vcpu.Attribute("placement");

    private XElement Vcpu => Root.Element("vcpu") ?? throw new FormatException($"domain {Name} has no <vcpu>");

    /// <summary>Null when the XML leaves the CPU to libvirt.</summary>
    public CpuSpec? Cpu
    {
        get
        {
            if (Root.Element("cpu") is not { } cpu) return null;
            var model = cpu.Element("model")?.Value;
            return (string?)cpu.Attribute("mode") switch
            {
                "host-passthrough" => new CpuSpec(CpuMode.HostPassthrough),
                "host-model" => new CpuSpec(CpuMode.HostModel),
                "maximum" => new CpuSpec(CpuMode.Maximum),
                // libvirt's default mode is custom: a <cpu> with only a <model> is one.
                "custom" or null => model is null ? null : new CpuSpec(CpuMode.Custom, model),
                var m =>
                    throw new FormatException($"domain {Name} has CPU mode '{m}', which the provider does not know"),
            };
        }
    }

    /// <summary>
    /// Sets the guest CPU. An unchanged mode and model keep the element as it is (libvirt's
    /// expanded features and checks included); a change replaces it, because features libvirt
    /// added for the old model would be wrong for the new one.
    /// </summary>
    public void SetCpu(CpuSpec? cpu)
    {
        if (cpu == Cpu) return;
        Root.Element("cpu")?.Remove();
        if (cpu is null) return;
        LibvirtXml.InsertAfter(Root, DomainXmlBuilder.Cpu(cpu),
            ["name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
            "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads", "iothreadids",
                "cputune", "numatune", "resource",
            "sysinfo", "bootloader", "bootloader_args", "os", "idmap", "features"]);
    }

    // ---- firmware and boot ----------------------------------------------------------------

    private XElement Os => Root.Element("os") ?? throw new FormatException($"domain {Name} has no <os>");

    /// <summary>`hvm` for full virtualisation.</summary>
    public string OsType => Os.Element("type")?.Value ?? "";

    public string? Arch => (string?)Os.Element("type")?.Attribute("arch");

    /// <summary>As written: `q35` in a definition the provider built, `pc-q35-7.2` once libvirt expanded it.</summary>
    public string? Machine => (string?)Os.Element("type")?.Attribute("machine");

    /// <summary>UEFI when the XML asks for automatic EFI firmware or names a pflash loader.</summary>
    public Firmware Firmware =>
        (string?)Os.Attribute("firmware") == "efi"
            || (string?)Os.Element("loader")?.Attribute("type") == "pflash" ? Firmware.Uefi : Firmware.Bios;

    /// <summary>The firmware code image libvirt chose or was given (e.g. /usr/share/OVMF/OVMF_CODE_4M.fd).</summary>
    public string? LoaderPath => Os.Element("loader")?.Value is { Length: > 0 } v ? v : null;

    /// <summary>The domain's own UEFI variable store; `virsh undefine --nvram` deletes it.</summary>
    public string? NvramPath => Os.Element("nvram")?.Value is { Length: > 0 } v ? v : null;

    public string? NvramTemplate => (string?)Os.Element("nvram")?.Attribute("template");

    /// <summary>Secure Boot as the firmware feature list or the loader says.</summary>
    public bool SecureBoot =>
        Os.Element("firmware")?.Elements("feature")
            .FirstOrDefault(f => (string?)f.Attribute("name") == "secure-boot") is { } f
            ? (string?)f.Attribute("enabled") == "yes"
            : (string?)Os.Element("loader")?.Attribute("secure") == "yes";

    public IReadOnlyList<string> BootDevices =>
        Os.Elements("boot").Select(b => (string?)b.Attribute("dev") ?? "").ToList();

    /// <summary>Names of the `&lt;features&gt;` children (`acpi`, `apic`, `smm` …).</summary>
    public IReadOnlyList<string> Features =>
        Root.Element("features")?.Elements().Select(e => e.Name.LocalName).ToList() ?? [];

    // ---- devices --------------------------------------------------------------------------

    private XElement Devices => Root.Element("devices") ?? throw new FormatException($"domain {Name} has no <devices>");

    /// <summary>Disks and CD-ROMs in device order.</summary>
    public IReadOnlyList<DomainDisk> Disks => Devices.Elements("disk").Select(e => new DomainDisk(e)).ToList();

    /// <summary>NICs in device order (the order the guest enumerates them).</summary>
    public IReadOnlyList<DomainInterface> Interfaces =>
        Devices.Elements("interface").Select(e => new DomainInterface(e)).ToList();

    /// <summary>Serial ports and consoles (a console on a serial port is listed twice, as libvirt does).</summary>
    public IReadOnlyList<DomainCharDevice> CharDevices =>
        Devices.Elements().Where(e => e.Name.LocalName is "serial" or "console").Select(e => new DomainCharDevice(e))
            .ToList();

    /// <summary>
    /// Devices the typed view does not model (controllers, inputs, channels, rng …), as their element names.
    /// </summary>
    public IReadOnlyList<string> OtherDevices =>
        Devices.Elements().Select(e => e.Name.LocalName)
            .Where(n => n is not ("disk" or "interface" or "serial" or "console")).ToList();

    public DomainDisk? FindDisk(string targetDev) => Disks.FirstOrDefault(d => d.TargetDev == targetDev);

    public DomainInterface? FindInterface(string mac) =>
        Interfaces.FirstOrDefault(i => i.Mac is { } m && MacAddresses.Normalize(m) == MacAddresses.Normalize(mac));

    /// <summary>Adds a disk after the existing ones (the guest sees it last); the target must be free.</summary>
    public DomainDisk AddDisk(DiskSpec disk)
    {
        disk.Validate(Name);
        if (FindDisk(disk.TargetDev) is not null) throw new
            ArgumentException($"domain {Name} already has a disk {disk.TargetDev}");
        var e = DomainXmlBuilder.Disk(disk);
        LibvirtXml.InsertAmongDevices(Devices, e);
        return new DomainDisk(e);
    }

    public bool RemoveDisk(string targetDev)
    {
        var d = FindDisk(targetDev);
        d?.Element.Remove();
        return d is not null;
    }

    public DomainInterface AddInterface(InterfaceSpec nic)
    {
        nic.Validate(Name);
        if (nic.Mac is { } mac
            && FindInterface(mac) is not null) throw new
            ArgumentException($"domain {Name} already has a NIC with MAC {mac}");
        var e = DomainXmlBuilder.Interface(nic);
        LibvirtXml.InsertAmongDevices(Devices, e);
        return new DomainInterface(e);
    }

    public bool RemoveInterface(string mac)
    {
        var i = FindInterface(mac);
        i?.Element.Remove();
        return i is not null;
    }

    // ---- provider metadata ----------------------------------------------------------------

    /// <summary>The provider's key/value pairs from `&lt;metadata&gt;` (empty for domains it did not make).</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        MetadataElement(create: false)?.Elements(Mvm + "item")
            .Where(i => i.Attribute("name") is not null)
            .ToDictionary(i => (string)i.Attribute("name")!, i => i.Value, StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Sets (or with null removes) one pair; other applications' metadata is left alone.</summary>
    public void SetMetadata(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var existing = MetadataElement(create: false)?.Elements(Mvm + "item")
            .FirstOrDefault(i => (string?)i.Attribute("name") == key);
        if (value is null)
        {
            existing?.Remove();
            return;
        }
        if (existing is not null) existing.Value = value;
        else MetadataElement(create: true)!.Add(DomainXmlBuilder.MetadataItem(key, value));
    }

    private XElement? MetadataElement(bool create)
    {
        var metadata = Root.Element("metadata");
        var mine = metadata?.Element(Mvm + "domain");
        if (mine is not null || !create) return mine;
        metadata ??= LibvirtXml.InsertAfter(Root, new XElement("metadata"),
            ["name", "uuid", "genid", "title", "description"]);
        mine = DomainXmlBuilder.MetadataRoot();
        metadata.Add(mine);
        return mine;
    }

    // ---- spec -----------------------------------------------------------------------------

    /// <summary>
    /// What a provider spec would have to say to produce this domain (for import and drift): the
    /// typed parts only. Devices the spec cannot express are skipped; <see cref="OtherDevices"/> lists them.
    /// </summary>
    public DomainSpec ToSpec() => new()
    {
        Name = Name,
        Uuid = Uuid,
        Type = Type,
        MemoryKiB = MemoryKiB,
        CurrentMemoryKiB = CurrentMemoryKiB,
        MaxVcpus = MaxVcpus,
        Vcpus = Vcpus,
        Cpu = Cpu,
        Arch = Arch ?? "x86_64",
        // libvirt's own default when a definition names no machine.
        Machine = Machine ?? "pc",
        Firmware = Firmware,
        SecureBoot = Firmware == Firmware.Uefi && SecureBoot,
        BootDevices = BootDevices,
        Disks = Disks.Select(d => d.ToSpec()).OfType<DiskSpec>().ToList(),
        Interfaces = Interfaces.Select(i => i.ToSpec()).OfType<InterfaceSpec>().ToList(),
        SerialConsole = CharDevices.Any(c => c.Kind == "console"),
        MemoryBalloon = Devices.Element("memballoon") is { } b && (string?)b.Attribute("model") != "none",
        GuestAgent = Devices.Elements("channel")
            .Any(c => (string?)c.Element("target")?.Attribute("name") == DomainXmlBuilder.GuestAgentChannel),
        Rng = Devices.Elements("rng").Any(),
        ScsiController = Devices.Elements("controller")
            .Any(c => (string?)c.Attribute("type") == "scsi" && (string?)c.Attribute("model") == "virtio-scsi"),
        Description = Description,
        Metadata = Metadata,
    };

    private long? ReadSize(string element) =>
        Root.Element(element) is { } e ? LibvirtUnits.ToKiB(e.Value, (string?)e.Attribute("unit")) : null;

    private void WriteSize(string element, long kib, string[] after)
    {
        if (kib <= 0) throw new ArgumentOutOfRangeException(nameof(kib), $"{element} must be positive");
        var e = LibvirtXml.Child(Root, element, after);
        e.Value = LibvirtUnits.Format(kib);
        e.SetAttributeValue("unit", "KiB");
    }
}

/// <summary>XML plumbing shared by the domain, network, pool and secret models.</summary>
internal static class LibvirtXml
{
    /// <summary>
    /// Parses libvirt XML without DTD processing (never needed, and a way to make a parser fetch or expand things).
    /// </summary>
    public static XElement ParseRoot(string xml, string expectedRoot)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null,
            IgnoreWhitespace = true };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        XDocument doc;
        try
        {
            doc = XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException e)
        {
            throw new FormatException($"not valid {expectedRoot} XML: {e.Message}", e);
        }
        var root = doc.Root ?? throw new FormatException($"empty {expectedRoot} XML");
        if (root.Name.LocalName != expectedRoot || root.Name.Namespace != XNamespace.None)
            throw new FormatException($"expected <{expectedRoot}> XML, got <{root.Name.LocalName}>");
        root.Remove();
        return root;
    }

    /// <summary>
    /// The child element, created after the last of <paramref name="after"/> present (or first) when missing.
    /// </summary>
    public static XElement Child(XElement parent, string name, string[] after) =>
        parent.Element(name) ?? InsertAfter(parent, new XElement(name), after);

    /// <summary>
    /// Inserts <paramref name="e"/> after the last sibling named in <paramref name="after"/>, or
    /// first. libvirt does not require an order at the top level of a domain, but keeping its own
    /// order makes a diff of before and after XML readable.
    /// </summary>
    public static XElement InsertAfter(XElement parent, XElement e, string[] after)
    {
        var anchor = parent.Elements().LastOrDefault(c => after.Contains(c.Name.LocalName));
        if (anchor is not null) anchor.AddAfterSelf(e);
        else parent.AddFirst(e);
        return e;
    }

    /// <summary>
    /// A new device goes after the last device of its kind (device order is the guest's enumeration order).
    /// </summary>
    public static void InsertAmongDevices(XElement devices, XElement e)
    {
        var last = devices.Elements(e.Name).LastOrDefault();
        if (last is not null) last.AddAfterSelf(e);
        else if (e.Name.LocalName == "disk" && devices.Element("emulator") is { } emulator) emulator.AddAfterSelf(e);
        else if (e.Name.LocalName == "disk") devices.AddFirst(e);
        else devices.Add(e);
    }

    public static int? IntAttr(XElement? e, string name) =>
        (string?)e?.Attribute(name) is { } v
            && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
