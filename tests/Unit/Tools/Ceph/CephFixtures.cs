using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>
/// Runs of the real Ceph 16.2.15 tools captured on lab host h3 (Fixtures/Ceph/&lt;tool&gt;-&lt;version&gt;-&lt;case&gt;.json).
/// Each file is one run: the argv as typed, the exit code, stdout and stderr byte for byte, so
/// error mapping is tested against what the tools really print and exit with.
/// </summary>
internal sealed record CapturedRun(string[] Argv, int Exit, string Stdout, string Stderr)
{
    public static CapturedRun Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ceph", name + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        return new CapturedRun(r.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToArray(), r.GetProperty("exit").GetInt32(),
            r.GetProperty("stdout").GetString()!, r.GetProperty("stderr").GetString()!);
    }

    public static string StdoutOf(string name) => Load(name).Stdout;

    public CommandResult As(IReadOnlyList<string> argv, string host = "h3") =>
        new(host, argv, Exit, Encoding.UTF8.GetBytes(Stdout), Encoding.UTF8.GetBytes(Stderr));
}

/// <summary>
/// An <see cref="IHost"/> that answers each command from a handler and records every argv, so
/// tests assert the exact argv a client builds and feed it captured output. A
/// <see cref="RemoteScript"/> is answered command by command through the same handler, and its
/// commands are recorded one by one after the `bash -s` that carried them.
/// </summary>
internal sealed class ScriptedHost(Func<IReadOnlyList<string>, Task<CommandResult>> handler, string name = "h3") : IHost
{
    private readonly ConcurrentQueue<string[]> _calls = new();

    public string Name => name;

    public IReadOnlyList<string[]> Calls => _calls.ToArray();

    /// <summary>How many times the host was reached (a script counts once): the round trips.</summary>
    public int RoundTrips => _roundTrips;
    private int _roundTrips;

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        Interlocked.Increment(ref _roundTrips);
        _calls.Enqueue(argv.ToArray());
        if (!Unit.Transport.RemoteScriptReplies.IsScript(argv, stdin)) return handler(argv);
        return Unit.Transport.RemoteScriptReplies.AnswerAsync(Name, argv, stdin!, inner =>
        {
            _calls.Enqueue(inner.ToArray());
            return handler(inner);
        });
    }

    /// <summary>Answers the calls in order, one reply per call; an unexpected extra call fails the test.</summary>
    public static ScriptedHost Replies(params Func<IReadOnlyList<string>, CommandResult>[] replies)
    {
        var queue = new ConcurrentQueue<Func<IReadOnlyList<string>, CommandResult>>(replies);
        return new ScriptedHost(argv => queue.TryDequeue(out var next)
            ? Task.FromResult(next(argv))
            : throw new InvalidOperationException("unexpected command: " + string.Join(' ', argv)));
    }

    public static Func<IReadOnlyList<string>, CommandResult> Captured(string fixture) => argv => CapturedRun.Load(fixture).As(argv);

    public static Func<IReadOnlyList<string>, CommandResult> Reply(int exit, string stdout = "", string stderr = "") =>
        argv => new CommandResult("h3", argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    /// <summary>One host that always answers with one captured run.</summary>
    public static ScriptedHost Always(string fixture) => new(argv => Task.FromResult(CapturedRun.Load(fixture).As(argv)));
}
