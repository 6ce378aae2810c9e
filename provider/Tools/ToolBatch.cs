using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// A tool command prepared but not yet run: its argv, its stdin, and how its result is read
/// (the same error mapping the client's own method applies). Several of them, from any clients,
/// go to one host as one <see cref="ToolBatch"/>.
/// </summary>
public sealed record ToolCall<T>(IReadOnlyList<string> Argv, byte[]? Stdin, Func<CommandResult, T> Read);

/// <summary>The outcome of one call in a <see cref="ToolBatch"/>, readable once the batch has run.</summary>
public abstract class ToolResult
{
    /// <summary>False when an earlier call in a stop-on-failure batch failed, so this one never ran.</summary>
    public abstract bool Ran { get; }

    /// <summary>Throws the client's typed exception when the command failed.</summary>
    public abstract void Check();
}

/// <inheritdoc cref="ToolResult"/>
public sealed class ToolResult<T> : ToolResult
{
    private readonly Func<CommandResult, T> _read;
    private CommandResult? _result;
    private bool _ran;

    internal ToolResult(Func<CommandResult, T> read) => _read = read;

    internal void Complete(CommandResult? result)
    {
        _result = result;
        _ran = true;
    }

    public override bool Ran => _ran && _result is not null;

    public override void Check() => _ = Value;

    /// <summary>The typed result; throws the client's typed exception when the command failed.</summary>
    public T Value => _ran
        ? _read(_result
            ?? throw new InvalidOperationException("this command did not run: an earlier command of its batch failed"))
        : throw new InvalidOperationException("the batch has not run yet");
}

/// <summary>
/// Typed tool calls sent to one host as one <see cref="RemoteScript"/>: one round trip for a
/// step's reads or writes instead of one per command, with each call's result still read by the
/// client that built it.
/// </summary>
public sealed class ToolBatch(bool stopOnFailure = true)
{
    private readonly RemoteScript _script = new() { StopOnFailure = stopOnFailure };
    private readonly List<Action<CommandResult?>> _completions = [];
    private readonly List<ToolResult> _results = [];

    public int Count => _script.Count;

    public ToolResult<T> Add<T>(ToolCall<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        _script.Add(call.Argv, call.Stdin);
        var result = new ToolResult<T>(call.Read);
        _completions.Add(result.Complete);
        _results.Add(result);
        return result;
    }

    public async Task RunAsync(IHost host, TimeSpan timeout, CancellationToken ct)
    {
        var results = await _script.RunAsync(host, timeout, ct).ConfigureAwait(false);
        for (var i = 0; i < _completions.Count; i++) _completions[i](i < results.Count ? results[i] : null);
    }

    /// <summary>Runs, then throws the typed exception of the first call that failed (for batches of changes).</summary>
    public async Task RunCheckedAsync(IHost host, TimeSpan timeout, CancellationToken ct)
    {
        await RunAsync(host, timeout, ct).ConfigureAwait(false);
        foreach (var r in _results.Where(r => r.Ran)) r.Check();
    }
}

/// <summary>Runs one prepared call on its own (no script around it): the same argv a client method sends.</summary>
public static class ToolCallExtensions
{
    public static async Task<T> RunAsync<T>(this ToolCall<T> call, IHost host, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(host);
        return call.Read(await host.RunAsync(call.Argv, call.Stdin, timeout, ct).ConfigureAwait(false));
    }
}
