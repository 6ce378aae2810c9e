namespace Mvm.Cluster;

/// <summary>
/// The keys VirtualMachine writes into its domain's provider metadata (DomainXml.Metadata):
/// they travel with the domain through migrations, so whoever finds the domain on any host
/// (maintenance drain, refresh) knows how it may be placed.
/// </summary>
public static class VmMetadata
{
    /// <summary>`auto`, `failover` or `pinned`; a domain without it (made by hand) counts as `auto`.</summary>
    public const string Placement = "placement";

    /// <summary>The host a pinned VM must stay on (its display name).</summary>
    public const string Host = "host";

    public const string Pinned = "pinned";

    /// <summary>The URN of the VirtualMachine that defined the domain (see <see cref="Ownership"/>).</summary>
    public const string Owner = "owner";
}
