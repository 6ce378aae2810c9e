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
    /// <summary>Where `make test-plugin` publishes the test build of the plugin, relative to the repository.</summary>
    public const string TestPluginRelativePath = "tests/TestPlugin/bin/plugin/pulumi-resource-mvm-test";

    public const string TestPluginVariable = "MVM_TEST_PLUGIN_PATH";

    private static readonly Lazy<string> Resolved = new(Resolve);
    private static readonly Lazy<string> ResolvedTestPlugin = new(ResolveTestPlugin);

    public static string Path => Resolved.Value;

    /// <summary>
    /// The test build of the plugin (tests/TestPlugin: the same server plus the mvm:testing:Fixture resource),
    /// from MVM_TEST_PLUGIN_PATH (set by `make test-protocol`), else where `make test-plugin` publishes it.
    /// </summary>
    public static string TestPluginPath => ResolvedTestPlugin.Value;

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

    private static string ResolveTestPlugin()
    {
        var path = System.Environment.GetEnvironmentVariable(TestPluginVariable) is { Length: > 0 } fromEnv
            ? fromEnv
            : System.IO.Path.Combine(RepoRoot, TestPluginRelativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"the test build of the plugin is missing at {path}; " +
                $"build it with `make test-plugin` (cd {RepoRoot} && make test-plugin)");
        return System.IO.Path.GetFullPath(path);
    }

    /// <summary>
    /// Plugin environment for tests: no credentials or test switch leak in from the developer's shell,
    /// plus <paramref name="extra"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Environment(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["MVM_TEST_KILL_AFTER"] = null,
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
