namespace Mvm.EngineHarness.Plugins;

/// <summary>
/// Finds the pulumi-resource-mvm binary: explicit path, then $MVM_PLUGIN_PATH, then a Pulumi.yaml
/// `plugins.providers` entry, then the repository's build output (publish dir first, else the newest build).
/// </summary>
public static class PluginLocator
{
    public const string BinaryName = "pulumi-resource-mvm";
    public const string EnvironmentVariable = "MVM_PLUGIN_PATH";
    public const string RepoMarker = "Provider.sln";

    /// <param name="explicitPath">--plugin / options; a directory means "the binary inside it".</param>
    /// <param name="programPluginDirectory">directory from Pulumi.yaml plugins.providers[name=mvm].path, already resolved.</param>
    /// <param name="searchFrom">where the upward search for the repository starts (default: current directory).</param>
    /// <param name="useEnvironment">false ignores $MVM_PLUGIN_PATH (tests of the search itself).</param>
    public static string Locate(string? explicitPath = null, string? programPluginDirectory = null, string? searchFrom = null, bool useEnvironment = true)
    {
        var tried = new List<string>();
        var fromEnvironment = useEnvironment ? Environment.GetEnvironmentVariable(EnvironmentVariable) : null;
        foreach (var candidate in new[] { explicitPath, fromEnvironment, programPluginDirectory })
        {
            if (string.IsNullOrEmpty(candidate))
                continue;
            var path = Directory.Exists(candidate) ? Path.Combine(candidate, BinaryName) : candidate;
            if (File.Exists(path))
                return Path.GetFullPath(path);
            tried.Add(path);
        }

        foreach (var start in searchFrom is not null ? new[] { searchFrom } : new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var root = FindRepoRoot(start);
            if (root is null)
            {
                tried.Add($"(no {RepoMarker} above {start})");
                continue;
            }
            var found = FromRepo(root, tried);
            if (found is not null)
                return found;
        }
        throw new FileNotFoundException(
            $"could not find {BinaryName}; set {EnvironmentVariable} or pass --plugin. Tried: {string.Join(", ", tried)}");
    }

    public static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, RepoMarker)))
                return dir.FullName;
        }
        return null;
    }

    private static string? FromRepo(string root, List<string> tried)
    {
        var published = Path.Combine(root, "provider", "bin", "plugin", BinaryName);
        if (File.Exists(published))
            return published;
        tried.Add(published);

        var builds = new[] { "Release", "Debug" }
            .Select(c => Path.Combine(root, "provider", "bin", c, "net10.0", "linux-x64", BinaryName))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .ToList();
        if (builds.Count > 0)
            return builds[0];
        tried.Add(Path.Combine(root, "provider", "bin", "{Release,Debug}", "net10.0", "linux-x64", BinaryName));
        return null;
    }
}
