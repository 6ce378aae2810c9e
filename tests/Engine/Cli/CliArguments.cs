namespace Mvm.EngineHarness.Cli;

/// <summary>Parsed command line of `mvm-engine`.</summary>
public sealed record CliArguments
{
    public const string Usage = """
        usage: mvm-engine <preview|up|refresh|destroy|import|output|config set> [options]

          --cwd DIR            program directory (holds Pulumi.yaml; default: current directory)
          --stack NAME         stack name (default: dev); config from Pulumi.NAME.yaml
          --plugin PATH        pulumi-resource-mvm binary or its directory (default: $MVM_PLUGIN_PATH, then the repo build)
          --yes, -y            proceed without asking (required for up/refresh/destroy/import to change anything)
          --skip-preview       do not run a preview first
          --import TYPE NAME ID   (import) what to import; TYPE NAME ID may also be given positionally
          --protect=false      (import) do not mark the imported resource protected
          output NAME          print the stack output NAME from the state, as `pulumi stack output NAME`
          --show-secrets       (output) print a secret output's value instead of [secret]
          config set KEY [VALUE]  set a stack config value in Pulumi.<stack>.yaml, as `pulumi config set`;
                               without VALUE it is read from stdin (keeps a secret out of the process list)
          --secret             (config set) store it encrypted: `KEY: {secure: v1:...}` (--plaintext: not)
          --verbose            also show debug logs and every status message (default: one per resource every 5 s)
          --logtostderr, -v N  passed to the plugin, as `pulumi --logtostderr -v=N` does

        Secrets in state and `secure:` config are encrypted (AES-256-GCM) with a key derived from
        PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) when set, else with a generated key in
        <cwd>/.mvm-engine/<stack>.key (mode 0600); the stack keeps the kind it first used.
        State: <cwd>/.mvm-engine/<stack>.json (mode 0600). Exit code 0 on success, 1 on failure, 2 on bad usage.
        """;

    public required string Command { get; init; }

    public string Cwd { get; init; } = Directory.GetCurrentDirectory();

    public string Stack { get; init; } = "dev";

    public string? Plugin { get; init; }

    public bool Yes { get; init; }

    public bool SkipPreview { get; init; }

    public bool Verbose { get; init; }

    public bool LogToStderr { get; init; }

    public int? Verbosity { get; init; }

    public bool Protect { get; init; } = true;

    public (string Type, string Name, string Id)? Import { get; init; }

    /// <summary>(output) the stack output to print.</summary>
    public string? OutputName { get; init; }

    public bool ShowSecrets { get; init; }

    /// <summary>(config set) the key and the value; a null value is read from stdin.</summary>
    public (string Key, string? Value)? ConfigKey { get; init; }

    /// <summary>(config set) store the value encrypted.</summary>
    public bool Secret { get; init; }

    private static readonly HashSet<string> Commands = ["preview", "up", "refresh", "destroy", "import", "output", "config"];

    /// <summary>Parses; throws ArgumentException with a message for the user on bad usage.</summary>
    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
            throw new ArgumentException("");
        var command = args[0];
        if (!Commands.Contains(command))
            throw new ArgumentException($"unknown command '{command}'");
        var result = new CliArguments { Command = command };
        var positional = new List<string>();
        var first = 1;
        if (command == "config")
        {
            if (args.Count < 2 || args[1] != "set")
                throw new ArgumentException("config supports only `config set [--secret] KEY [VALUE]`");
            first = 2;
        }
        for (var i = first; i < args.Count; i++)
        {
            var a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value");
            result = a switch
            {
                "--cwd" or "-C" => result with { Cwd = Path.GetFullPath(Next()) },
                "--stack" or "-s" => result with { Stack = Next() },
                "--plugin" => result with { Plugin = Path.GetFullPath(Next()) },
                "--yes" or "-y" => result with { Yes = true },
                "--skip-preview" or "-f" => result with { SkipPreview = true },
                "--verbose" => result with { Verbose = true },
                "--logtostderr" => result with { LogToStderr = true },
                "-v" => result with { Verbosity = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--protect=false" => result with { Protect = false },
                "--protect=true" or "--protect" => result with { Protect = true },
                "--show-secrets" => result with { ShowSecrets = true },
                "--secret" => result with { Secret = true },
                "--plaintext" => result with { Secret = false },
                "--import" => result with { Import = (Next(), Next(), Next()) },
                _ when a.StartsWith("-v=", StringComparison.Ordinal) => result with { Verbosity = int.Parse(a[3..], System.Globalization.CultureInfo.InvariantCulture) },
                _ when a.StartsWith("--cwd=", StringComparison.Ordinal) => result with { Cwd = Path.GetFullPath(a[6..]) },
                _ when a.StartsWith("--stack=", StringComparison.Ordinal) => result with { Stack = a[8..] },
                _ when a.StartsWith("--plugin=", StringComparison.Ordinal) => result with { Plugin = Path.GetFullPath(a[9..]) },
                _ when a.StartsWith('-') => throw new ArgumentException($"unknown option '{a}'"),
                _ => AddPositional(result, positional, a),
            };
        }
        if (command == "import")
        {
            if (result.Import is null && positional.Count == 3)
                result = result with { Import = (positional[0], positional[1], positional[2]) };
            if (result.Import is null)
                throw new ArgumentException("import needs TYPE NAME ID (e.g. mvm:CephPool pool1 rbd)");
        }
        else if (command == "output")
        {
            if (positional.Count != 1)
                throw new ArgumentException("output needs the NAME of one stack output (e.g. connectString)");
            result = result with { OutputName = positional[0] };
        }
        else if (command == "config")
        {
            if (positional.Count is < 1 or > 2)
                throw new ArgumentException("config set needs KEY and, unless it is read from stdin, VALUE");
            result = result with { ConfigKey = (positional[0], positional.Count == 2 ? positional[1] : null) };
        }
        else if (positional.Count > 0)
        {
            throw new ArgumentException($"unexpected argument '{positional[0]}'");
        }
        return result;
    }

    private static CliArguments AddPositional(CliArguments result, List<string> positional, string value)
    {
        positional.Add(value);
        return result;
    }
}
