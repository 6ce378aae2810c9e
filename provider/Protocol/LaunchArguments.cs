namespace Mvm.Protocol;

/// <summary>
/// The engine starts plugins as `[--logtostderr] [-v=N] [--tracing X] [--logflow] ENGINE_ADDRESS`.
/// Without an address the plugin serves and waits for Attach (debug mode).
/// </summary>
public sealed record LaunchArguments(string? EngineAddress, int Verbosity, bool LogToStderr)
{
    public static LaunchArguments Parse(IReadOnlyList<string> args)
    {
        string? address = null;
        var verbosity = 0;
        var logToStderr = false;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--logtostderr") logToStderr = true;
            else if (a == "--logflow") { }
            else if (a == "--tracing") i++;
            else if (a.StartsWith("--tracing=", StringComparison.Ordinal)) { }
            else if (a.StartsWith("-v", StringComparison.Ordinal))
            {
                var digits = a.TrimStart('-', 'v', '=');
                int.TryParse(digits, out verbosity);
            }
            else if (!a.StartsWith('-')) address = a;
        }
        return new LaunchArguments(address, verbosity, logToStderr);
    }
}
