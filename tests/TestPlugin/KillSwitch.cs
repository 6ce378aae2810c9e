using System.Diagnostics;
using Mvm.Transport;

namespace Mvm.TestPlugin;

/// <summary>
/// Fault injection for the lab's kill-at-every-step test (issue 12): with
/// <c>MVM_TEST_KILL_AFTER=&lt;operation&gt;:&lt;type&gt;:&lt;n&gt;</c> (e.g. <c>create:VirtualMachine:7</c>)
/// the plugin SIGKILLs itself the moment the n-th remote command of that operation has returned,
/// exactly as a `kill -9` of the plugin between two steps would. The test raises n from 1 until
/// the operation finishes, so every remote step is cut in turn; nothing else reads this variable.
/// </summary>
public static class KillSwitch
{
    public const string Variable = "MVM_TEST_KILL_AFTER";

    private static readonly (string Operation, string Type, int After)? Setting = Parse(Environment.GetEnvironmentVariable(Variable));

    internal static (string Operation, string Type, int After)? Parse(string? value)
    {
        var parts = value?.Split(':');
        return parts is [var op, var type, var n] && int.TryParse(n, out var after) && after > 0 ? (op, type, after) : null;
    }

    /// <summary>The connector for one operation: <paramref name="inner"/> itself unless the switch is set for it.</summary>
    public static IHostConnector Wrap(IHostConnector inner, string operation, string typeToken) =>
        Setting is { } s && s.Operation == operation && typeToken.EndsWith(":" + s.Type, StringComparison.Ordinal)
            ? new Connector(inner, new Counter(s.After))
            : inner;

    private sealed class Counter(int after)
    {
        private int _done;

        public void Completed(IReadOnlyList<string> argv)
        {
            if (Interlocked.Increment(ref _done) != after) return;
            Console.Error.WriteLine($"{Variable}: killed after remote command {after} ({(argv.Count > 0 ? argv[0] : "?")})");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill(); // SIGKILL: no finally blocks, no cleanup, as kill -9 does
        }
    }

    private sealed class Connector(IHostConnector inner, Counter counter) : IHostConnector
    {
        public IHost Connect(SshHostSettings host, string name) => new Host(inner.Connect(host, name), counter);
    }

    private sealed class Host(IHost inner, Counter counter) : IHost
    {
        public string Name => inner.Name;

        public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
        {
            var r = await inner.RunAsync(argv, stdin, timeout, ct).ConfigureAwait(false);
            counter.Completed(argv);
            return r;
        }

        public async Task<CommandResult> RunStreamingAsync(IReadOnlyList<string> argv, Stream stdin, TimeSpan timeout, CancellationToken ct)
        {
            var r = await inner.RunStreamingAsync(argv, stdin, timeout, ct).ConfigureAwait(false);
            counter.Completed(argv);
            return r;
        }
    }
}
