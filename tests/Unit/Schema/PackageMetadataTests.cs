using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Mvm.Tests.Unit.Schema;

/// <summary>
/// The package-level fields of the checked-in schema.json: what the registry lists and what `pulumi package gen-sdk`
/// and the CLI's plugin download read. Checked against the Pulumi package metaschema's rules, not against the
/// generator's own constants.
/// </summary>
public partial class PackageMetadataTests
{
    // The top-level properties the Pulumi package metaschema allows (it sets additionalProperties: false).
    private static readonly HashSet<string> MetaschemaKeys =
    [
        "name", "displayName", "version", "description", "keywords", "homepage", "license", "attribution",
        "repository", "logoUrl", "pluginDownloadURL", "configurationDocsUrl", "validateCredentialsOnNew", "publisher",
        "namespace", "meta", "config", "types", "dependencies", "provider", "resources", "functions", "language",
        "parameterization", "allowedPackageNames",
    ];

    private static JsonElement Schema =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema.json"))).RootElement;

    private static string Text(JsonElement e, params string[] path)
    {
        foreach (var p in path)
            Assert.True(e.TryGetProperty(p, out e), $"schema.json has no {string.Join(".", path)}");
        var s = e.GetString();
        Assert.False(string.IsNullOrWhiteSpace(s), $"schema.json's {string.Join(".", path)} is empty");
        return s!;
    }

    [Fact]
    public void EveryTopLevelFieldIsOneThePackageMetaschemaAllows()
    {
        var unknown = Schema.EnumerateObject().Select(p => p.Name).Where(n => !MetaschemaKeys.Contains(n)).ToList();
        Assert.True(unknown.Count == 0, "not in the Pulumi package metaschema: " + string.Join(", ", unknown));
    }

    [Fact]
    public void TheRegistryFieldsAreThere()
    {
        foreach (var field in new[] { "publisher", "homepage", "license", "description", "displayName" })
            Text(Schema, field);
        Assert.Matches(HttpsGitHubRepository(), Text(Schema, "repository"));
        var keywords = Schema.GetProperty("keywords").EnumerateArray().Select(k => k.GetString()).ToList();
        Assert.Contains(keywords, k => k!.StartsWith("category/", StringComparison.Ordinal));
        Assert.Contains("kind/native", keywords);
    }

    [Fact]
    public void VersionIsTheOneInTheProjectFile()
    {
        var csproj = XDocument.Load(Path.Combine(RepoPaths.Root, "provider", "Provider.csproj"));
        var version = csproj.Descendants("Version").Single().Value;
        Assert.Equal(version, Text(Schema, "version"));
    }

    [Fact]
    public void PluginDownloadComesFromTheReleasesOfTheNamedRepository()
    {
        // The CLI's form is github://<api host>/<owner>[/<repository>]; without a repository it assumes pulumi-<name>.
        var download = GitHubSource().Match(Text(Schema, "pluginDownloadURL"));
        Assert.True(download.Success, "pluginDownloadURL is not github://api.github.com/<owner>/<repository>");
        var repository = HttpsGitHubRepository().Match(Text(Schema, "repository"));
        Assert.Equal(repository.Groups["owner"].Value, download.Groups["owner"].Value);
        Assert.Equal(repository.Groups["repo"].Value, download.Groups["repo"].Value);
        Assert.StartsWith($"github.com/{download.Groups["owner"]}/{download.Groups["repo"]}/sdk/go/",
            Text(Schema, "language", "go", "importBasePath"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDotnetSdkIsPulumiMvmAndReferencesThePulumiPackage()
    {
        // The C# generator names the namespace and assembly rootNamespace + "." + namespaces[<package name>].
        var csharp = Schema.GetProperty("language").GetProperty("csharp");
        var name = Text(Schema, "name");
        Assert.Equal("Pulumi.Mvm",
            Text(csharp, "rootNamespace") + "." + Text(csharp, "namespaces", name));
        Assert.StartsWith("3.", Text(csharp, "packageReferences", "Pulumi"), StringComparison.Ordinal);
    }

    [Fact]
    public void EverySdkLanguageNamesItsPackage()
    {
        Assert.Matches(NpmPackage(), Text(Schema, "language", "nodejs", "packageName"));
        Assert.Matches(PythonPackage(), Text(Schema, "language", "python", "packageName"));
        Text(Schema, "language", "nodejs", "dependencies", "@pulumi/pulumi");
        Text(Schema, "language", "python", "requires", "pulumi");
    }

    [GeneratedRegex(@"\Agithub://api\.github\.com/(?<owner>[A-Za-z0-9-]+)/(?<repo>[A-Za-z0-9._-]+)\z")]
    private static partial Regex GitHubSource();

    [GeneratedRegex(@"\Ahttps://github\.com/(?<owner>[A-Za-z0-9-]+)/(?<repo>[A-Za-z0-9._-]+)\z")]
    private static partial Regex HttpsGitHubRepository();

    [GeneratedRegex(@"\A@[a-z0-9-]+/[a-z0-9-]+\z")]
    private static partial Regex NpmPackage();

    [GeneratedRegex(@"\A[a-z][a-z0-9_]*\z")]
    private static partial Regex PythonPackage();
}
