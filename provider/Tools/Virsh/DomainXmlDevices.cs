using System.Xml.Linq;

namespace Mvm.Tools;

/// <summary>
/// One `&lt;disk&gt;` of a domain, read from its element. The element is the domain's own (not a
/// copy), so <see cref="ToXml"/> gives exactly what libvirt matches on for `detach-device`.
/// </summary>
public sealed class DomainDisk(XElement element)
{
    public XElement Element { get; } = element;

    /// <summary>`file`, `network` (RBD), `block`, `volume` …</summary>
    public string Type => (string?)Element.Attribute("type") ?? "file";

    /// <summary>`disk`, `cdrom`, `floppy`, `lun`.</summary>
    public string DeviceName => (string?)Element.Attribute("device") ?? "disk";

    public DiskDevice? Device => DeviceName switch
    {
        "disk" => DiskDevice.Disk,
        "cdrom" => DiskDevice.Cdrom,
        _ => null,
    };

    public string? TargetDev => (string?)Target?.Attribute("dev");

    public string? Bus => (string?)Target?.Attribute("bus");

    /// <summary>The image format the driver opens (`qcow2`, `raw`).</summary>
    public string? Format => (string?)Driver?.Attribute("type");

    public string? Cache => (string?)Driver?.Attribute("cache");

    public bool Discard => (string?)Driver?.Attribute("discard") == "unmap";

    public string? Serial => Element.Element("serial")?.Value;

    public bool ReadOnly => Element.Element("readonly") is not null;

    /// <summary>A file disk's path, or a block disk's device.</summary>
    public string? SourcePath => (string?)Source?.Attribute("file") ?? (string?)Source?.Attribute("dev");

    /// <summary>`rbd` for a Ceph disk.</summary>
    public string? Protocol => (string?)Source?.Attribute("protocol");

    /// <summary>For RBD: `pool/image`.</summary>
    public string? SourceName => (string?)Source?.Attribute("name");

    public string? RbdPool =>
        Protocol == "rbd" && SourceName is { } n && n.IndexOf('/') is > 0 and var i ? n[..i] : null;

    public string? RbdImage =>
        Protocol == "rbd" && SourceName is { } n && n.IndexOf('/') is > 0 and var i ? n[(i + 1)..] : null;

    public IReadOnlyList<CephMonitor> Hosts =>
        Source?.Elements("host")
            .Select(h => new CephMonitor((string?)h.Attribute("name") ?? "", LibvirtXml.IntAttr(h, "port"))).ToList()
            ?? [];

    /// <summary>
    /// cephx user and secret: libvirt accepts `&lt;auth&gt;` inside `&lt;source&gt;` or directly in `&lt;disk&gt;`.
    /// </summary>
    public CephAuth? Auth
    {
        get
        {
            var auth = Source?.Element("auth") ?? Element.Element("auth");
            if (auth is null || (string?)auth.Element("secret")?.Attribute("uuid") is not { } uuid) return null;
            return new CephAuth((string?)auth.Attribute("username") ?? "", Guid.Parse(uuid));
        }
    }

    /// <summary>libvirt's device alias in live XML (`virtio-disk0`, `ua-…`).</summary>
    public string? Alias => (string?)Element.Element("alias")?.Attribute("name");

    public string ToXml() => Element.ToString();

    /// <summary>
    /// The spec that builds this disk, or null for shapes the provider does not make (block devices, floppies, LUNs …).
    /// </summary>
    public DiskSpec? ToSpec()
    {
        if (Device is not { } device || TargetDev is not { } target) return null;
        DiskSource? source = Type switch
        {
            "file" when SourcePath is { } path => new FileDiskSource(path, Format ?? "raw"),
            "network" when RbdPool is { } pool => new RbdDiskSource(pool, RbdImage!, Hosts, Auth),
            _ => null,
        };
        if (source is null) return null;
        DiskBus? bus = Bus switch
        {
            "virtio" => DiskBus.Virtio,
            "scsi" => DiskBus.Scsi,
            "sata" => DiskBus.Sata,
            _ => null,
        };
        if (bus is null) return null;
        return new DiskSpec
        {
            Source = source,
            TargetDev = target,
            Bus = bus.Value,
            Device = device,
            Serial = Serial,
            ReadOnly = ReadOnly,
            Cache = Cache,
            Discard = Discard,
        };
    }

    private XElement? Target => Element.Element("target");
    private XElement? Driver => Element.Element("driver");
    private XElement? Source => Element.Element("source");
}

/// <summary>One `&lt;interface&gt;` (NIC) of a domain, read from its element.</summary>
public sealed class DomainInterface(XElement element)
{
    public XElement Element { get; } = element;

    /// <summary>`bridge`, `network`, `direct`, `user` …</summary>
    public string Type => (string?)Element.Attribute("type") ?? "";

    /// <summary>Lower-case, as libvirt prints it; null only in a definition that left it to libvirt.</summary>
    public string? Mac =>
        (string?)Element.Element("mac")?.Attribute("address") is { } m ? MacAddresses.Normalize(m) : null;

    public string? Bridge => (string?)Source?.Attribute("bridge");

    public string? Network => (string?)Source?.Attribute("network");

    public string? PortGroup => (string?)Source?.Attribute("portgroup");

    /// <summary>`openvswitch` for an OVS port.</summary>
    public string? VirtualPortType => (string?)Element.Element("virtualport")?.Attribute("type");

    /// <summary>The OVS port's interface-id (libvirt generates one; OVS records it as external_ids:iface-id).</summary>
    public string? OvsInterfaceId =>
        (string?)Element.Element("virtualport")?.Element("parameters")?.Attribute("interfaceid");

    /// <summary>VLAN tags on the NIC itself (one for an access port). A network's port group carries its own.</summary>
    public IReadOnlyList<int> VlanTags =>
        Element.Element("vlan")?.Elements("tag").Select(t => LibvirtXml.IntAttr(t, "id")).OfType<int>().ToList() ?? [];

    /// <summary>
    /// Live XML of a NIC declared on a network: libvirt shows it with the type it resolved to
    /// (`bridge`), the network and port group still in `&lt;source&gt;`, plus the port group's VLAN.
    /// </summary>
    public bool IsActualNetworkPort => Type != "network" && Network is not null;

    public bool VlanTrunk => (string?)Element.Element("vlan")?.Attribute("trunk") == "yes";

    public string? Model => (string?)Element.Element("model")?.Attribute("type");

    /// <summary>The host-side device (`vnet0`), in live XML only.</summary>
    public string? TargetDev => (string?)Element.Element("target")?.Attribute("dev");

    public string? Alias => (string?)Element.Element("alias")?.Attribute("name");

    public string ToXml() => Element.ToString();

    /// <summary>
    /// The XML that identifies this NIC to detach-device in both the live domain and the
    /// definition. libvirt matches a NIC on its MAC, and also on the PCI address and alias when
    /// the XML has them — which differ between live XML and the definition, so they are left
    /// out. A NIC on a network is described as declared (type network), not as resolved.
    /// </summary>
    public string DetachXml()
    {
        if (Mac is null) throw new InvalidOperationException("a NIC without a MAC cannot be identified for detach");
        var e = new XElement("interface", new XElement("mac", new XAttribute("address", Mac)));
        if (Network is { } net)
        {
            e.SetAttributeValue("type", "network");
            var source = new XElement("source", new XAttribute("network", net));
            if (PortGroup is { } pg) source.SetAttributeValue("portgroup", pg);
            e.Add(source);
        }
        else
        {
            e.SetAttributeValue("type", Type);
            if (Element.Element("source") is { } source) e.Add(new XElement(source));
        }
        return e.ToString();
    }

    /// <summary>
    /// The spec that builds this NIC, or null for kinds the provider does not make (trunks, direct, user …).
    /// </summary>
    public InterfaceSpec? ToSpec()
    {
        if (VlanTrunk || VlanTags.Count > 1) return null;
        int? tag = VlanTags.Count == 1 ? VlanTags[0] : null;
        if (IsActualNetworkPort)
        {
            // Live XML of a NIC on a network: the tag and virtualport shown are what the port
            // group resolved to, not something the NIC itself says.
            return new InterfaceSpec { Kind = InterfaceKind.Network, Source = Network!, PortGroup = PortGroup,
                Mac = Mac, Model = Model ?? "virtio" };
        }
        return Type switch
        {
            "bridge" when Bridge is { } b => new InterfaceSpec
            {
                Kind = InterfaceKind.Bridge,
                Source = b,
                OpenVSwitch = VirtualPortType == "openvswitch",
                VlanTag = tag,
                Mac = Mac,
                Model = Model ?? "virtio",
            },
            "network" when Network is { } n => new InterfaceSpec
            {
                Kind = InterfaceKind.Network,
                Source = n,
                PortGroup = PortGroup,
                VlanTag = tag,
                Mac = Mac,
                Model = Model ?? "virtio",
            },
            _ => null,
        };
    }

    private XElement? Source => Element.Element("source");
}

/// <summary>A `&lt;serial&gt;` or `&lt;console&gt;` device.</summary>
public sealed class DomainCharDevice(XElement element)
{
    public XElement Element { get; } = element;

    /// <summary>`serial` or `console`.</summary>
    public string Kind => Element.Name.LocalName;

    /// <summary>`pty`, `file`, `tcp` …</summary>
    public string Type => (string?)Element.Attribute("type") ?? "";

    /// <summary>For a console: `serial` or `virtio`; for a serial port: `isa-serial` …</summary>
    public string? TargetType => (string?)Element.Element("target")?.Attribute("type");

    public int? Port => LibvirtXml.IntAttr(Element.Element("target"), "port");

    /// <summary>The pseudo-terminal QEMU opened, in live XML only.</summary>
    public string? PtyPath => (string?)Element.Element("source")?.Attribute("path");
}
