using System.Text.RegularExpressions;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Plugins;

namespace Mvm.Tests.Protocol.Support;

/// <summary>
/// The plugin under test: the published binary (MVM_PLUGIN_PATH, set by `make test-protocol`), else what the
/// harness locator finds in the repository. A missing binary fails every test with a message that says how to
/// build it; nothing here compiles or references the provider's code.
/// </summary>
public static partial class PluginBinary
{
    private static readonly Lazy<string> Resolved = new(Resolve);

    public static string Path => Resolved.Value;

    /// <summary>The repository root (the directory holding Provider.sln).</summary>
    public static string RepoRoot { get; } =
        PluginLocator.FindRepoRoot(AppContext.BaseDirectory)
        ?? PluginLocator.FindRepoRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException($"no {PluginLocator.RepoMarker} above {AppContext.BaseDirectory}");

    /// <summary>The version declared in provider/Provider.csproj (read as text: the file is the source of truth).</summary>
    public static string DeclaredVersion
    {
        get
        {
            var csproj = File.ReadAllText(System.IO.Path.Combine(RepoRoot, "provider", "Provider.csproj"));
            var m = VersionElement().Match(csproj);
            Assert.True(m.Success, "provider/Provider.csproj has no <Version>");
            return m.Groups[1].Value.Trim();
        }
    }

    private static string Resolve()
    {
        var fromEnv = System.Environment.GetEnvironmentVariable(PluginLocator.EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            var path = Directory.Exists(fromEnv) ? System.IO.Path.Combine(fromEnv, PluginLocator.BinaryName) : fromEnv;
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"{PluginLocator.EnvironmentVariable}={fromEnv} but there is no plugin binary at {path}; build it with `make plugin` (cd {RepoRoot} && make plugin)");
            return System.IO.Path.GetFullPath(path);
        }
        try
        {
            return PluginLocator.Locate(searchFrom: RepoRoot, useEnvironment: false);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException(
                $"the pulumi-resource-mvm plugin binary is missing; build it with `make plugin` (cd {RepoRoot} && make plugin), " +
                $"or set {PluginLocator.EnvironmentVariable}. {e.Message}");
        }
    }

    /// <summary>
    /// Plugin environment for tests: no credentials or fixture switch leak in from the developer's shell,
    /// plus <paramref name="extra"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Environment(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["MVM_TEST_FIXTURES"] = null,
            ["MVM_SSH_PASSWORD"] = null,
            ["MVM_SSH_PRIVATE_KEY"] = null,
            ["MVM_SSH_PRIVATE_KEY_FILE"] = null,
            ["MVM_SSH_AGENT"] = null,
            ["MVM_SSH_PORT"] = null,
            ["MVM_SSH_USER"] = null,
            ["MVM_KNOWN_HOSTS"] = null,
            ["MVM_KNOWN_HOSTS_FILE"] = null,
            ["MVM_CREATE_TIMEOUT"] = null,
            ["MVM_CONNECT_TIMEOUT"] = null,
            ["SSH_AUTH_SOCK"] = null,
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
            env[k] = v;
        return env;
    }

    public static IReadOnlyDictionary<string, string?> FixtureEnvironment() =>
        Environment(new Dictionary<string, string?> { ["MVM_TEST_FIXTURES"] = "1" });

    /// <summary>A session on the binary under test with a clean environment.</summary>
    public static Task<ProviderSession> StartSessionAsync(ProviderSessionOptions? options = null)
    {
        options ??= new ProviderSessionOptions();
        return ProviderSession.StartAsync(options with
        {
            PluginPath = Path,
            Environment = options.Environment ?? Environment(),
        });
    }

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
