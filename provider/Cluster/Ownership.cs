namespace Mvm.Cluster;

/// <summary>
/// Whose an object on the hosts is. Everything a resource makes (a domain, an RBD disk, a seed, an
/// image) carries the URN of the resource that made it (it names the stack, the project, the type
/// and the resource), written as it is made: in the domain's provider metadata, in RBD image-meta.
/// A create that finds an object under its name adopts it only when the mark is its own URN (a
/// create cut short, the plugin killed, the next `up` carrying on); an object without the mark, or
/// with another, was not made by this resource and is refused by name.
/// </summary>
public static class Ownership
{
    /// <summary>The RBD image-meta key (the domain metadata key is <see cref="VmMetadata.Owner"/>).</summary>
    public const string RbdKey = "mvm.owner";

    public static bool IsMine(IReadOnlyDictionary<string, string>? marks, string key, string urn) =>
        marks is not null && marks.TryGetValue(key, out var owner) && owner == urn;

    /// <summary>
    /// 8 hex digits of the owner's URN: names scratch space and unfinished objects a later run of the same resource
    /// finds.
    /// </summary>
    public static string Token(string urn) =>
        Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(urn)))[..8];

    /// <summary>Who made it, for a refusal: the other owner's URN, or that nobody marked it.</summary>
    public static string Describe(IReadOnlyDictionary<string, string>? marks, string key) =>
        marks is not null && marks.TryGetValue(key, out var owner) && owner.Length > 0
            ? $"it was made by {owner}"
            : "it carries no owner mark (made by hand, by another tool, or by a provider version that did not mark " +
                "what it made)";
}
