using System.Globalization;
using System.Xml.Linq;

namespace Mvm.Tools;

/// <summary>A port group of a libvirt network: a name NICs refer to, carrying an access VLAN.</summary>
public sealed record PortGroupSpec(string Name, int? VlanTag = null, bool IsDefault = false);

/// <summary>
/// A libvirt network that hands NICs to an existing Open vSwitch bridge (`forward mode='bridge'`
/// plus `virtualport openvswitch`). Each compute VLAN is a port group, so a VM's NIC says
/// `network='…' portgroup='vlan-100'` and libvirt sets the tag on the OVS port.
/// </summary>
public sealed record OvsNetworkSpec(string Name, string Bridge, IReadOnlyList<PortGroupSpec> PortGroups)
{
    public Guid? Uuid { get; init; }

    public void Validate()
    {
        DomainNames.Validate(Name, "network");
        if (string.IsNullOrEmpty(Bridge) || Bridge.Length > 15 || Bridge.Any(c => c is '/' or ' ' || char.IsControl(c)))
            throw new
                ArgumentException($"network {Name}: bridge '{Bridge}' is not a Linux interface name (at most 15 " +
                "characters, no '/' or spaces)");
        foreach (var pg in PortGroups)
        {
            if (string.IsNullOrEmpty(pg.Name)) throw new
                ArgumentException($"network {Name}: a port group needs a name");
            if (pg.VlanTag is { } t
                && (t < 1 || t > 4094)) throw new
                ArgumentException($"network {Name}: port group {pg.Name} VLAN {t} is outside 1..4094");
        }
        if (PortGroups.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new ArgumentException($"network {Name}: port group {dup.Key} is listed twice");
        if (PortGroups.Count(p => p.IsDefault) > 1) throw new
            ArgumentException($"network {Name}: only one port group can be the default");
    }
}

/// <summary>
/// A libvirt network definition (net-dumpxml), typed for the parts the provider manages; the rest is kept.
/// </summary>
public sealed class NetworkXml
{
    private NetworkXml(XElement root) => Root = root;

    public XElement Root { get; }

    public static NetworkXml Parse(string xml) => new(LibvirtXml.ParseRoot(xml, "network"));

    public static NetworkXml FromSpec(OvsNetworkSpec spec)
    {
        spec.Validate();
        var net = new XElement("network", new XElement("name", spec.Name));
        if (spec.Uuid is { } uuid) net.Add(new XElement("uuid", uuid.ToString("D")));
        net.Add(new XElement("forward", new XAttribute("mode", "bridge")),
            new XElement("bridge", new XAttribute("name", spec.Bridge)),
            new XElement("virtualport", new XAttribute("type", "openvswitch")));
        foreach (var pg in spec.PortGroups) net.Add(PortGroupElement(pg));
        return new NetworkXml(net);
    }

    /// <summary>One `&lt;portgroup&gt;` element as text, for `virsh net-update … portgroup`.</summary>
    public static string PortGroupXml(PortGroupSpec portGroup) =>
        PortGroupElement(portGroup).ToString(SaveOptions.DisableFormatting);

    private static XElement PortGroupElement(PortGroupSpec pg)
    {
        if (string.IsNullOrEmpty(pg.Name)) throw new ArgumentException("a port group needs a name");
        var e = new XElement("portgroup", new XAttribute("name", pg.Name));
        if (pg.IsDefault) e.SetAttributeValue("default", "yes");
        if (pg.VlanTag is { } tag)
            e.Add(new XElement("vlan",
            new XElement("tag", new XAttribute("id", tag.ToString(CultureInfo.InvariantCulture)))));
        return e;
    }

    public string ToXml() => Root.ToString();

    public string Name => Root.Element("name")?.Value ?? throw new FormatException("network XML has no <name>");

    public Guid? Uuid => Root.Element("uuid")?.Value is { } u ? Guid.Parse(u) : null;

    /// <summary>`bridge`, `nat`, `route` …; null for an isolated network.</summary>
    public string? ForwardMode => (string?)Root.Element("forward")?.Attribute("mode");

    public string? Bridge => (string?)Root.Element("bridge")?.Attribute("name");

    public string? VirtualPortType => (string?)Root.Element("virtualport")?.Attribute("type");

    public IReadOnlyList<PortGroupSpec> PortGroups => Root.Elements("portgroup").Select(p => new PortGroupSpec(
        (string?)p.Attribute("name") ?? "",
        p.Element("vlan")?.Elements("tag").Select(t => LibvirtXml.IntAttr(t, "id")).FirstOrDefault(),
        (string?)p.Attribute("default") == "yes")).ToList();
}
