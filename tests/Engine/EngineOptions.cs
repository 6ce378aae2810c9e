using Mvm.EngineHarness.Plugins;

namespace Mvm.EngineHarness;

/// <summary>How an <see cref="Engine"/> runs: which program and stack, which plugin, where output goes.</summary>
public sealed record EngineOptions
{
    /// <summary>The program directory (holds Pulumi.yaml); plugins run here and the state lives under it.</summary>
    public string ProgramDirectory { get; init; } = Directory.GetCurrentDirectory();

    public string Stack { get; init; } = "dev";

    /// <summary>The provider package this harness drives.</summary>
    public string Package { get; init; } = "mvm";

    /// <summary>Plugin binary (a directory means the binary inside it); null = locate (see <see cref="PluginLocator"/>).</summary>
    public string? PluginPath { get; init; }

    /// <summary>Substitute launcher (tests: in-process fake provider). Default launches the binary.</summary>
    public IPluginLauncher? Launcher { get; init; }

    /// <summary>State directory; default &lt;ProgramDirectory&gt;/.mvm-engine.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Where the CLI-style output is written as it happens (always also captured in the result's Transcript).</summary>
    public TextWriter? Output { get; init; }

    /// <summary>Print plugin Log messages as they arrive (the CLI does; ephemeral ones every few seconds per resource, all with <see cref="Verbose"/>).</summary>
    public bool StreamLogs { get; init; }

    /// <summary>Print the "engine: mvm-engine test harness" line at the start of each operation.</summary>
    public bool PrintBanner { get; init; } = true;

    /// <summary>Also print debug-level logs and every ephemeral status message.</summary>
    public bool Verbose { get; init; }

    /// <summary>Launch plugins with --logtostderr.</summary>
    public bool LogToStderr { get; init; }

    /// <summary>Launch plugins with -v=N.</summary>
    public int? Verbosity { get; init; }

    /// <summary>Extra environment for plugins (null value removes a variable).</summary>
    public IReadOnlyDictionary<string, string?>? PluginEnvironment { get; init; }

    public TimeSpan PortTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Safety net for tests: abort any single RPC after this long. The real engine sets no deadline (null = none).
    /// </summary>
    public TimeSpan? RpcTimeout { get; init; }

    /// <summary>When the operation's token fires: after sending Cancel, also SIGINT the plugins.</summary>
    public bool StopPluginsOnCancel { get; init; }

    /// <summary>Grace period between SIGINT and kill when stopping plugins (engine: 5 s).</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The passphrase of the stack's secrets (see <see cref="Secrets.StackSecrets"/>); null = PULUMI_CONFIG_PASSPHRASE or
    /// PULUMI_CONFIG_PASSPHRASE_FILE from the environment, and without either a generated key file next to the state.
    /// </summary>
    public string? SecretsPassphrase { get; init; }

    public string ResolvedStateDirectory => StateDirectory ?? Path.Combine(ProgramDirectory, ".mvm-engine");

    public string StatePath => Path.Combine(ResolvedStateDirectory, Stack + ".json");

    /// <summary>The stack's secrets provider: encrypts secrets in state and `secure:` stack config.</summary>
    public Secrets.StackSecrets Secrets => Mvm.EngineHarness.Secrets.StackSecrets.For(ResolvedStateDirectory, Stack, SecretsPassphrase);
}
