using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Plugins;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness;

/// <summary>
/// The test harness's stand-in for the Pulumi engine: runs preview / up / refresh / destroy / import of a Pulumi
/// YAML program against the mvm provider plugin over the real plugin protocol, keeping a state file.
/// <code>
/// await using var engine = await Engine.StartAsync(new EngineOptions { ProgramDirectory = dir });
/// var result = await engine.UpAsync();          // loads dir/Pulumi.yaml + Pulumi.dev.yaml
/// Assert.True(result.Succeeded, result.Transcript);
/// </code>
/// Operations on one engine run one at a time. Each launches its own plugin processes and stops them (SIGINT) at the end.
/// </summary>
public sealed class Engine : IAsyncDisposable
{
    public const string Banner = "engine: mvm-engine test harness (pulumi CLI not found)";

    private readonly SemaphoreSlim _gate = new(1, 1);

    private Engine(EngineOptions options, EngineServer server)
    {
        Options = options;
        Server = server;
    }

    public EngineOptions Options { get; }

    /// <summary>The engine's gRPC endpoint plugins log to; <see cref="EngineServer.Logs"/> holds everything received.</summary>
    public EngineServer Server { get; }

    public string StatePath => Options.StatePath;

    public static async Task<Engine> StartAsync(EngineOptions? options = null, CancellationToken ct = default)
    {
        options ??= new EngineOptions();
        options = options with { ProgramDirectory = Path.GetFullPath(options.ProgramDirectory) };
        var server = await EngineServer.StartAsync(ct).ConfigureAwait(false);
        return new Engine(options, server);
    }

    /// <summary>Pulumi.yaml and Pulumi.&lt;stack&gt;.yaml from the program directory.</summary>
    public ProgramModel LoadProgram() => ProgramLoader.LoadDirectory(Options.ProgramDirectory, Options.Stack, Options.Secrets);

    /// <summary>The saved state (empty if none yet).</summary>
    public StackState LoadState() => StackState.Load(StatePath, Options.Stack, "", Options.SecretsPassphrase);

    public Task<DeploymentResult> PreviewAsync(ProgramModel? program = null, CancellationToken ct = default)
        => RunUpdateAsync(program, preview: true, ct);

    public Task<DeploymentResult> UpAsync(ProgramModel? program = null, CancellationToken ct = default)
        => RunUpdateAsync(program, preview: false, ct);

    /// <summary>Read every resource in state and report drift; <paramref name="preview"/> = don't save (no --yes).</summary>
    public Task<DeploymentResult> RefreshAsync(bool preview = false, CancellationToken ct = default)
        => WithProgram(Operation.Refresh, preview, null, program => RunAsync(Operation.Refresh, preview, program, ct, (run, _) =>
        {
            var refresh = new RefreshRun(run.Context, run.Old, run.Registry);
            run.AssembleState = refresh.Assemble;
            run.Outputs = () => run.Old.Outputs;
            return refresh.RunAsync();
        }));

    /// <summary>Delete every resource in state, dependents first.</summary>
    public Task<DeploymentResult> DestroyAsync(bool preview = false, CancellationToken ct = default)
        => WithProgram(Operation.Destroy, preview, null, program => RunAsync(Operation.Destroy, preview, program, ct, (run, _) =>
        {
            var destroy = new DestroyRun(run.Context, run.Old, run.Registry);
            run.AssembleState = destroy.Assemble;
            return destroy.RunAsync();
        }));

    /// <summary>
    /// `pulumi import TYPE NAME ID`: Read with only the id, Check the read inputs, store the resource
    /// (protected unless <paramref name="protect"/> is false, as with `pulumi import --protect=false`).
    /// </summary>
    public Task<DeploymentResult> ImportAsync(string type, string name, string id, bool preview = false, bool protect = true, ProgramModel? program = null, CancellationToken ct = default)
        => WithProgram(Operation.Import, preview, program, loaded => RunAsync(Operation.Import, preview, loaded, ct, (run, p) =>
        {
            var import = new ImportRun(run.Context, run.Old, run.Registry, p) { Protect = protect };
            run.AssembleState = import.Assemble;
            return import.RunAsync(type, name, id);
        }));

    /// <summary>State-based operations use the program only for stack config; a broken one is still an error.</summary>
    private Task<DeploymentResult> WithProgram(Operation operation, bool preview, ProgramModel? program, Func<ProgramModel?, Task<DeploymentResult>> run)
    {
        try
        {
            return run(program ?? TryLoadProgram());
        }
        catch (ProgramException e)
        {
            return Task.FromResult(ProgramError(operation, preview, e));
        }
    }

    private Task<DeploymentResult> RunUpdateAsync(ProgramModel? program, bool preview, CancellationToken ct)
    {
        try
        {
            program ??= LoadProgram();
        }
        catch (ProgramException e)
        {
            return Task.FromResult(ProgramError(preview ? Operation.Preview : Operation.Up, preview, e));
        }
        return RunAsync(preview ? Operation.Preview : Operation.Up, preview, program, ct, async (run, p) =>
        {
            var update = new UpdateRun(run.Context, p!, run.Old, run.Registry, StatePath);
            run.AssembleState = update.AssembleState;
            run.Outputs = () => update.Outputs;
            await update.RunAsync().ConfigureAwait(false);
        });
    }

    /// <summary>A program that does not load fails the operation like any other error (result, not exception).</summary>
    private DeploymentResult ProgramError(Operation operation, bool preview, ProgramException e)
    {
        var reporter = new Reporter(Options.Output, Options.StreamLogs, Options.Verbose);
        if (Options.PrintBanner)
            reporter.Line(Banner);
        reporter.Header(operation, preview, Options.Stack);
        return Fail(operation, preview, reporter, new StackState { Stack = Options.Stack }, Stopwatch.StartNew(), e.Message);
    }

    private ProgramModel? TryLoadProgram()
    {
        var dir = Options.ProgramDirectory;
        return File.Exists(Path.Combine(dir, "Pulumi.yaml")) || File.Exists(Path.Combine(dir, "Pulumi.yml")) ? LoadProgram() : null;
    }

    /// <summary>What an operation body gets to work with.</summary>
    internal sealed class Run
    {
        public required RunContext Context { get; init; }

        public required StackState Old { get; init; }

        public required ProviderRegistry Registry { get; init; }

        /// <summary>The state to report/save at the end (operations that build a new state replace this).</summary>
        public Func<StackState> AssembleState { get; set; } = () => throw new InvalidOperationException();

        public Func<Struct> Outputs { get; set; } = () => new Struct();
    }

    private async Task<DeploymentResult> RunAsync(Operation operation, bool preview, ProgramModel? program, CancellationToken ct, Func<Run, ProgramModel?, Task> body)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return await RunLockedAsync(operation, preview, program, ct, body).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DeploymentResult> RunLockedAsync(Operation operation, bool preview, ProgramModel? program, CancellationToken ct, Func<Run, ProgramModel?, Task> body)
    {
        var watch = Stopwatch.StartNew();
        var reporter = new Reporter(Options.Output, Options.StreamLogs, Options.Verbose);
        if (Options.PrintBanner)
            reporter.Line(Banner);
        reporter.Header(operation, preview, Options.Stack);

        StackState old;
        try
        {
            old = StackState.Load(StatePath, Options.Stack, program?.Name ?? "", Options.SecretsPassphrase);
        }
        catch (Exception e) // any unreadable state (bad JSON, missing fields, wrong version) is reported, not thrown
        {
            return Fail(operation, preview, reporter, new StackState { Stack = Options.Stack }, watch, $"cannot read the state file {StatePath}: {e.Message}");
        }
        var project = program?.Name ?? old.Project;
        if (old.Project.Length > 0 && program is not null && old.Project != program.Name)
        {
            return Fail(operation, preview, reporter, old, watch,
                $"the state at {StatePath} belongs to project '{old.Project}', not '{program.Name}'");
        }
        var ctx = new RunContext(Options, Server, reporter, operation, preview, project, ct);
        var packageConfig = program?.PackageConfig(Options.Package) ?? new Dictionary<string, ConfigValue>();
        var launcher = Options.Launcher ?? new ProcessPluginLauncher(ResolvePluginPath(program));
        var registry = new ProviderRegistry(ctx, launcher, ProviderRegistry.PulumiConfig(packageConfig));
        var run = new Run { Context = ctx, Old = old, Registry = registry, AssembleState = () => old.Clone() };

        var logStart = Server.Count;
        void OnLog(LogEntry entry) => reporter.Log(entry, entry.Urn.Length > 0 ? Reporter.DescribeUrn(entry.Urn) : "plugin");
        Server.Logged += OnLog;
        // First cancel: send Cancel to the plugins and start no new steps; in-flight calls may finish.
        using var cancelRegistration = ct.Register(() => registry.CancelAll(Options.StopPluginsOnCancel));

        string? error = null;
        var canceled = false;
        try
        {
            await body(run, program).ConfigureAwait(false);
        }
        catch (DeploymentCanceledException e)
        {
            canceled = true;
            error = e.Message;
        }
        catch (Exception e) when (e is DeploymentException or ProgramException or PluginLaunchException or RpcFailure or FileNotFoundException)
        {
            error = e.Message;
        }
        catch (Exception e)
        {
            // A harness bug must still stop the plugins and produce a result a test can print.
            error = $"internal error in mvm-engine: {e}";
        }
        finally
        {
            Server.Logged -= OnLog;
        }
        if (ct.IsCancellationRequested && error is not null)
            canceled = true;

        var plugins = await registry.StopAllAsync().ConfigureAwait(false);
        foreach (var plugin in plugins.Where(p => p.ExitCode != 0 || p.Killed))
        {
            ctx.Diagnose(DiagnosticSeverity.Warning, plugin.Killed
                ? $"plugin for {plugin.Provider} ignored SIGINT and was killed after {Options.StopGrace.TotalSeconds:0.#}s"
                : $"plugin for {plugin.Provider} exited with code {plugin.ExitCode} after SIGINT (expected 0)\nstderr:\n{plugin.Stderr}");
        }
        var state = run.AssembleState();
        if (!preview)
            state.Save(StatePath, Options.SecretsPassphrase);

        var logs = Server.LogsSince(logStart);
        var outputs = error is null ? run.Outputs() : new Struct();
        if (error is not null)
            ctx.Diagnose(DiagnosticSeverity.Error, error);
        reporter.Diagnostics(ctx.Diagnostics, logs, ctx.StackUrn);
        if (error is null)
            reporter.Outputs(outputs);
        reporter.Summary(ctx.Steps, preview, watch.Elapsed);
        if (error is not null)
            reporter.Line($"error: {error}");

        return new DeploymentResult
        {
            Operation = operation,
            Preview = preview,
            Error = error,
            Canceled = canceled,
            Steps = ctx.Steps,
            Logs = logs,
            Diagnostics = ctx.Diagnostics,
            Calls = ctx.Calls,
            Plugins = plugins,
            State = state,
            Outputs = outputs,
            Transcript = reporter.Transcript,
            Duration = watch.Elapsed,
        };
    }

    private DeploymentResult Fail(Operation operation, bool preview, Reporter reporter, StackState state, Stopwatch watch, string error)
    {
        reporter.Line($"error: {error}");
        return new DeploymentResult
        {
            Operation = operation,
            Preview = preview,
            Error = error,
            State = state,
            Transcript = reporter.Transcript,
            Duration = watch.Elapsed,
            Diagnostics = [new Diagnostic(DiagnosticSeverity.Error, error)],
        };
    }

    /// <summary>--plugin / options first, then Pulumi.yaml `plugins.providers` for this package, then the locator's defaults.</summary>
    private string? ResolvePluginPath(ProgramModel? program)
    {
        if (Options.PluginPath is not null)
            return Options.PluginPath;
        var declared = program?.Plugins.FirstOrDefault(p => p.Name == Options.Package);
        var declaredDir = declared is null ? null : Path.GetFullPath(Path.Combine(Options.ProgramDirectory, declared.Path));
        try
        {
            return PluginLocator.Locate(null, declaredDir, Options.ProgramDirectory);
        }
        catch (FileNotFoundException)
        {
            return null; // reported when a plugin is actually needed
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
