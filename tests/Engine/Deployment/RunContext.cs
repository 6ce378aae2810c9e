using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.State;

namespace Mvm.EngineHarness.Deployment;

/// <summary>Shared state of one engine operation: options, output, steps, diagnostics, cancellation.</summary>
internal sealed class RunContext
{
    private readonly object _gate = new();
    private readonly List<StepRecord> _steps = [];
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly List<RpcCallRecord> _calls = [];

    public RunContext(EngineOptions options, EngineServer server, Reporter reporter, Operation operation, bool preview, string project, CancellationToken cancel)
    {
        Options = options;
        Server = server;
        Reporter = reporter;
        Operation = operation;
        Preview = preview;
        Project = project;
        Cancel = cancel;
    }

    public EngineOptions Options { get; }

    public EngineServer Server { get; }

    public Reporter Reporter { get; }

    public Operation Operation { get; }

    public bool Preview { get; }

    public string Project { get; }

    public string Stack => Options.Stack;

    public string Package => Options.Package;

    /// <summary>The user's cancel request (not passed to RPCs: in-flight calls are allowed to finish after Cancel).</summary>
    public CancellationToken Cancel { get; }

    public string StackUrn => ResourceState.MakeUrn(Stack, Project, "pulumi:pulumi:Stack", $"{Project}-{Stack}");

    public string Urn(string type, string name) => ResourceState.MakeUrn(Stack, Project, type, name);

    public string ProviderType => "pulumi:providers:" + Package;

    public IReadOnlyList<StepRecord> Steps
    {
        get
        {
            lock (_gate)
                return _steps.ToArray();
        }
    }

    public IReadOnlyList<Diagnostic> Diagnostics
    {
        get
        {
            lock (_gate)
                return _diagnostics.ToArray();
        }
    }

    public IReadOnlyList<RpcCallRecord> Calls
    {
        get
        {
            lock (_gate)
                return _calls.ToArray();
        }
    }

    public void AddStep(StepRecord step)
    {
        lock (_gate)
            _steps.Add(step);
    }

    /// <summary>Prints a finished (or planned) step.</summary>
    public void Report(StepRecord step) => Reporter.Step(step, Preview);

    public void Diagnose(DiagnosticSeverity severity, string message, string? urn = null)
    {
        lock (_gate)
            _diagnostics.Add(new Diagnostic(severity, message, urn));
    }

    public void RecordCall(RpcCallRecord call)
    {
        lock (_gate)
            _calls.Add(call);
    }

    public void ThrowIfCanceled()
    {
        if (Cancel.IsCancellationRequested)
            throw new DeploymentCanceledException();
    }

    /// <summary>Token for one RPC: the optional test safety-net timeout (the engine itself sets no deadline).</summary>
    public CancellationTokenSource RpcTokenSource()
        => Options.RpcTimeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
}
