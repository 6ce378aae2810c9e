using System.Xml.Linq;

namespace Mvm.Tests.Release;

/// <summary>Where the tarballs are (MVM_RELEASE_DIR, set by `make test-release`, else provider/bin/release).</summary>
public static class ReleaseFiles
{
    public const string DirectoryVariable = "MVM_RELEASE_DIR";

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Directory
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(DirectoryVariable);
            var dir = string.IsNullOrEmpty(fromEnv) ? Path.Combine(RepoRoot, "provider", "bin", "release") : fromEnv;
            Assert.True(System.IO.Directory.Exists(dir),
                $"no release directory {dir}: build the tarballs with `make release` (`make test-release` does)");
            return dir;
        }
    }

    /// <summary>The version declared in provider/Provider.csproj, the one place the version is written.</summary>
    public static string DeclaredVersion
    {
        get
        {
            var csproj = XDocument.Load(Path.Combine(RepoRoot, "provider", "Provider.csproj"));
            var versions = csproj.Descendants("Version").Select(v => v.Value.Trim()).ToList();
            Assert.True(versions.Count == 1, "provider/Provider.csproj should declare exactly one <Version>");
            return versions[0];
        }
    }

    public static string Tarball(ReleasePlatform platform)
    {
        var path = Path.Combine(Directory, platform.TarballName(DeclaredVersion));
        Assert.True(File.Exists(path), $"missing {path}: `make release` builds it");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Provider.sln"))) return dir.FullName;
        throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}
