using System.Xml.Linq;

namespace Mvm.Tools;

/// <summary>
/// A libvirt secret holding a cephx key, referred to by UUID from RBD disks and pools. Private
/// by default: libvirt then refuses to hand the value back out (`secret-get-value`).
/// </summary>
public sealed record SecretSpec(Guid Uuid, string UsageName)
{
    /// <summary>`ceph` for cephx keys (also `volume`, `iscsi`, `tls`, `vtpm` in libvirt).</summary>
    public string UsageType { get; init; } = "ceph";

    public string? Description { get; init; }

    public bool Private { get; init; } = true;

    /// <summary>False: the secret survives a libvirtd restart and host reboot.</summary>
    public bool Ephemeral { get; init; }
}

/// <summary>Secret definitions (secret-dumpxml), built and read.</summary>
public sealed class SecretXml
{
    private SecretXml(XElement root) => Root = root;

    public XElement Root { get; }

    public static SecretXml Parse(string xml) => new(LibvirtXml.ParseRoot(xml, "secret"));

    public static SecretXml FromSpec(SecretSpec spec)
    {
        if (string.IsNullOrEmpty(spec.UsageName)) throw new
            ArgumentException($"secret {spec.Uuid}: a usage name is required (libvirt keys secrets by it too)");
        var secret = new XElement("secret",
            new XAttribute("ephemeral", spec.Ephemeral ? "yes" : "no"),
                new XAttribute("private", spec.Private ? "yes" : "no"),
            new XElement("uuid", spec.Uuid.ToString("D")));
        if (spec.Description is { } d) secret.Add(new XElement("description", d));
        var usageElement = spec.UsageType switch
        {
            // Each usage type names its object with a different element.
            "volume" => "volume",
            "iscsi" => "target",
            _ => "name",
        };
        secret.Add(new XElement("usage", new XAttribute("type", spec.UsageType),
            new XElement(usageElement, spec.UsageName)));
        return new SecretXml(secret);
    }

    public string ToXml() => Root.ToString();

    public Guid Uuid =>
        Guid.Parse(Root.Element("uuid")?.Value ?? throw new FormatException("secret XML has no <uuid>"));

    public string? UsageType => (string?)Root.Element("usage")?.Attribute("type");

    public string? UsageName => Root.Element("usage")?.Elements().FirstOrDefault()?.Value;

    public bool Private => (string?)Root.Attribute("private") == "yes";

    public bool Ephemeral => (string?)Root.Attribute("ephemeral") == "yes";
}
