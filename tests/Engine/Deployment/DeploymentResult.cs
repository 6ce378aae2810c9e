using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

public enum Operation
{
    Preview,
    Up,
    Refresh,
    Destroy,
    Import,
}

public enum DiagnosticSeverity
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>An engine-side message (check failures, warnings, errors), as opposed to a plugin's Log call.</summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, string Message, string? Urn = null);

/// <summary>One plugin process used during the run, with what it left behind.</summary>
public sealed record PluginRun
{
    public required string Provider { get; init; }

    public required string Address { get; init; }

    public TimeSpan StartupTime { get; init; }

    public PluginInfo? Info { get; init; }

    /// <summary>Null when Handshake answered UNIMPLEMENTED (legacy plugin).</summary>
    public ProviderHandshakeResponse? Handshake { get; init; }

    public ConfigureResponse? Configure { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>It ignored SIGINT for 5 s and had to be killed.</summary>
    public bool Killed { get; init; }

    public string Stdout { get; init; } = "";

    public string Stderr { get; init; } = "";
}

/// <summary>Everything a test needs to know about one engine operation.</summary>
public sealed class DeploymentResult
{
    public required Operation Operation { get; init; }

    /// <summary>Dry run: nothing written, Delete never called.</summary>
    public required bool Preview { get; init; }

    public bool Succeeded => Error is null;

    public string? Error { get; init; }

    public bool Canceled { get; init; }

    public IReadOnlyList<StepRecord> Steps { get; init; } = [];

    /// <summary>Plugin Log calls received during the run.</summary>
    public IReadOnlyList<LogEntry> Logs { get; init; } = [];

    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Every provider RPC in order (all providers).</summary>
    public IReadOnlyList<RpcCallRecord> Calls { get; init; } = [];

    public IReadOnlyList<PluginRun> Plugins { get; init; } = [];

    /// <summary>The state after the run; for a preview, the projected state (not saved).</summary>
    public required StackState State { get; init; }

    public Struct Outputs { get; init; } = new();

    /// <summary>What the CLI printed for this run.</summary>
    public string Transcript { get; init; } = "";

    public TimeSpan Duration { get; init; }

    /// <summary>The provider methods called, in order (e.g. to assert Check precedes Create).</summary>
    public IReadOnlyList<string> CallSequence => Calls.Select(c => c.Method).ToList();

    public IEnumerable<RpcCallRecord> CallsOf(string method) => Calls.Where(c => c.Method == method);

    /// <summary>Steps of a resource by its program name (non-provider first).</summary>
    public IReadOnlyList<StepRecord> StepsFor(string name) => Steps.Where(s => s.Name == name).OrderBy(s => s.IsProvider).ToList();

    /// <summary>The single main step of a resource (for a replacement: the CreateReplacement).</summary>
    public StepRecord Step(string name)
    {
        var steps = StepsFor(name).Where(s => !s.IsProvider).ToList();
        if (steps.Count == 0)
            throw new KeyNotFoundException($"no step for '{name}'; steps: {string.Join(", ", Steps)}");
        return steps.FirstOrDefault(s => s.Op == StepOp.CreateReplacement) ?? steps[0];
    }

    public IEnumerable<LogEntry> LogsAtLeast(LogSeverity severity) => Logs.Where(l => l.Severity >= severity);

    public override string ToString() => Transcript;
}
