using System.Globalization;
using System.Xml.Linq;

namespace Mvm.Tools;

/// <summary>
/// A libvirt storage pool backed by a Ceph pool, so libvirt (and `virsh vol-*`) can see the RBD
/// images VMs use. Needs libvirt's RBD storage backend (libvirt-daemon-driver-storage-rbd).
/// </summary>
public sealed record RbdPoolSpec(string Name, string CephPool, IReadOnlyList<CephMonitor> Monitors, CephAuth? Auth)
{
    public Guid? Uuid { get; init; }

    public void Validate()
    {
        DomainNames.Validate(Name, "pool");
        if (string.IsNullOrEmpty(CephPool)
            || CephPool.Contains('/')) throw new
            ArgumentException($"pool {Name}: '{CephPool}' is not a Ceph pool name");
    }
}

/// <summary>A storage pool definition (pool-dumpxml), typed for what the provider reads; the rest is kept.</summary>
public sealed class PoolXml
{
    private PoolXml(XElement root) => Root = root;

    public XElement Root { get; }

    public static PoolXml Parse(string xml) => new(LibvirtXml.ParseRoot(xml, "pool"));

    public static PoolXml FromSpec(RbdPoolSpec spec)
    {
        spec.Validate();
        var pool = new XElement("pool", new XAttribute("type", "rbd"), new XElement("name", spec.Name));
        if (spec.Uuid is { } uuid) pool.Add(new XElement("uuid", uuid.ToString("D")));
        var source = new XElement("source", new XElement("name", spec.CephPool));
        foreach (var m in spec.Monitors)
        {
            var host = new XElement("host", new XAttribute("name", m.Host));
            if (m.Port is { } port) host.SetAttributeValue("port", port.ToString(CultureInfo.InvariantCulture));
            source.Add(host);
        }
        // A pool's <auth> names the secret type on itself, unlike a disk's (which puts it on <secret>).
        if (spec.Auth is { } auth)
        {
            source.Add(new XElement("auth", new XAttribute("type", "ceph"), new XAttribute("username", auth.Username),
                new XElement("secret", new XAttribute("uuid", auth.SecretUuid.ToString("D")))));
        }
        pool.Add(source);
        return new PoolXml(pool);
    }

    public string ToXml() => Root.ToString();

    /// <summary>`rbd`, `dir`, `logical` …</summary>
    public string Type => (string?)Root.Attribute("type") ?? "";

    public string Name => Root.Element("name")?.Value ?? throw new FormatException("pool XML has no <name>");

    public Guid? Uuid => Root.Element("uuid")?.Value is { } u ? Guid.Parse(u) : null;

    /// <summary>For RBD: the Ceph pool.</summary>
    public string? SourceName => Root.Element("source")?.Element("name")?.Value;

    public IReadOnlyList<CephMonitor> Hosts => Root.Element("source")?.Elements("host")
        .Select(h => new CephMonitor((string?)h.Attribute("name") ?? "", LibvirtXml.IntAttr(h, "port"))).ToList() ?? [];

    public CephAuth? Auth =>
        Root.Element("source")?.Element("auth") is { } a && (string?)a.Element("secret")?.Attribute("uuid") is { } u
        ? new CephAuth((string?)a.Attribute("username") ?? "", Guid.Parse(u))
        : null;

    /// <summary>For directory-like pools: where volumes live.</summary>
    public string? TargetPath => Root.Element("target")?.Element("path")?.Value;
}
