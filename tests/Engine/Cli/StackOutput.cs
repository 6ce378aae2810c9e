using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;

namespace Mvm.EngineHarness.Cli;

/// <summary>
/// `mvm-engine output NAME`: one stack output read from the state file, as `pulumi stack output` prints
/// it — strings bare, other values as JSON, secrets as [secret] unless --show-secrets. Scripts (the demo)
/// hand one stack's output to another stack's config this way.
/// </summary>
public static class StackOutput
{
    public static int Print(CliArguments cli, TextWriter stdout, TextWriter stderr)
    {
        var path = Path.Combine(cli.Cwd, ".mvm-engine", cli.Stack + ".json");
        if (!File.Exists(path))
        {
            stderr.WriteLine($"error: stack {cli.Stack} in {cli.Cwd} has no state yet (run up first)");
            return 1;
        }
        StackState state;
        try
        {
            state = StackState.Load(path, cli.Stack, "");
        }
        catch (Secrets.SecretDecryptionException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        if (!state.Outputs.Fields.TryGetValue(cli.OutputName!, out var value))
        {
            var known = string.Join(", ", state.Outputs.Fields.Keys.Order(StringComparer.Ordinal));
            stderr.WriteLine($"error: stack {cli.Stack} has no output {cli.OutputName} (it has: {(known.Length > 0 ? known : "none")})");
            return 1;
        }
        stdout.WriteLine(Render(value, cli.ShowSecrets));
        return 0;
    }

    public static string Render(Value value, bool showSecrets)
    {
        if (PropertyValues.IsSecret(value) && !showSecrets)
            return "[secret]";
        var plain = PropertyValues.Unwrap(value);
        return plain.KindCase == Value.KindOneofCase.StringValue ? plain.StringValue : StateJson.ToState(plain)?.ToJsonString() ?? "null";
    }
}
