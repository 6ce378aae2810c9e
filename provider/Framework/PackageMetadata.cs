using System.Text.Json;

namespace Mvm.Framework;

/// <summary>
/// What schema.json says about the package as a whole, beside its resources: the registry's fields (publisher,
/// repository, license, keywords, where the CLI downloads the plugin from) and the per-language settings that
/// `pulumi package gen-sdk` reads. Kept in one place so the GitHub home named by the repository, the plugin download
/// and the Go import path cannot disagree.
/// </summary>
public static class PackageMetadata
{
    /// <summary>The GitHub owner and repository the release tarballs are attached to.</summary>
    public const string GitHubOwner = "pulumi-resource-mvm";
    public const string GitHubRepository = "pulumi-mvm";

    public const string RepositoryUrl = $"https://github.com/{GitHubOwner}/{GitHubRepository}";

    /// <summary>
    /// The CLI's GitHub-releases source: it fetches
    /// `pulumi-resource-mvm-v&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;.tar.gz` from the release tagged `v&lt;version&gt;`
    /// of this repository (`make release` builds exactly those names).
    /// </summary>
    public const string PluginDownloadUrl = $"github://api.github.com/{GitHubOwner}/{GitHubRepository}";

    /// <summary>
    /// C#: the SDK's namespace and assembly are rootNamespace + "." + namespaces[package], i.e. Pulumi.Mvm (a
    /// rootNamespace of "Pulumi.Mvm" would give Pulumi.Mvm.Mvm).
    /// </summary>
    public const string CSharpRootNamespace = "Pulumi";
    public const string CSharpPackageNamespace = "Mvm";

    public const string NodePackage = $"@{GitHubOwner}/mvm";
    public const string PythonPackage = "pulumi_mvm";
    public const string GoImportBasePath = $"github.com/{GitHubOwner}/{GitHubRepository}/sdk/go/mvm";

    /// <summary>The package-level fields after name and version.</summary>
    public static void WriteDescriptive(Utf8JsonWriter w)
    {
        w.WriteString("displayName", "MVM: KVM + Ceph + Open vSwitch clusters");
        w.WriteString("description",
            "Turns bare Ubuntu/Debian hosts into a hyperconverged KVM cluster (libvirt/QEMU, Ceph, Open vSwitch) " +
            "over SSH and keeps the cluster and its virtual machines in the declared state.");
        // category/ and kind/ are the registry's facets.
        string[] keywords =
            ["pulumi", "mvm", "kvm", "libvirt", "ceph", "openvswitch", "category/infrastructure", "kind/native"];
        w.WriteStartArray("keywords");
        foreach (var k in keywords) w.WriteStringValue(k);
        w.WriteEndArray();
        w.WriteString("homepage", RepositoryUrl);
        w.WriteString("license", "Apache-2.0");
        w.WriteString("repository", RepositoryUrl);
        w.WriteString("publisher", GitHubOwner);
        w.WriteString("pluginDownloadURL", PluginDownloadUrl);
    }

    /// <summary>The "language" object: what each SDK generator names the package and what it depends on.</summary>
    public static void WriteLanguage(Utf8JsonWriter w, string package)
    {
        w.WriteStartObject("language");

        w.WriteStartObject("csharp");
        w.WriteString("rootNamespace", CSharpRootNamespace);
        w.WriteStartObject("namespaces");
        w.WriteString(package, CSharpPackageNamespace);
        w.WriteEndObject();
        w.WriteStartObject("packageReferences");
        w.WriteString("Pulumi", "3.*");
        w.WriteEndObject();
        w.WriteBoolean("respectSchemaVersion", true);
        w.WriteEndObject();

        w.WriteStartObject("go");
        w.WriteString("importBasePath", GoImportBasePath);
        w.WriteBoolean("generateResourceContainerTypes", true);
        w.WriteBoolean("respectSchemaVersion", true);
        w.WriteEndObject();

        w.WriteStartObject("nodejs");
        w.WriteString("packageName", NodePackage);
        w.WriteStartObject("dependencies");
        w.WriteString("@pulumi/pulumi", "^3.0.0");
        w.WriteEndObject();
        w.WriteBoolean("respectSchemaVersion", true);
        w.WriteEndObject();

        w.WriteStartObject("python");
        w.WriteString("packageName", PythonPackage);
        w.WriteStartObject("requires");
        w.WriteString("pulumi", ">=3.0.0,<4.0.0");
        w.WriteEndObject();
        w.WriteStartObject("pyproject");
        w.WriteBoolean("enabled", true);
        w.WriteEndObject();
        w.WriteBoolean("respectSchemaVersion", true);
        w.WriteEndObject();

        w.WriteEndObject();
    }
}
