using System.Text;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// A fake host for the Virsh client: answers each command from a queue of canned replies (text
/// captured from libvirt 9.0 in Fixtures/Virsh) and records the argv and stdin it was given.
/// </summary>
internal sealed class VirshTestHost : IHost
{
    private readonly Queue<(int Exit, string Stdout, string Stderr)> _replies = new();

    public string Name => "h2";
    public List<(IReadOnlyList<string> Argv, byte[]? Stdin, TimeSpan Timeout)> Calls { get; } = [];

    public IReadOnlyList<string> LastArgv => Calls[^1].Argv;

    /// <summary>The last argv without the client's fixed `env LC_ALL=C virsh -c qemu:///system` prefix.</summary>
    public IReadOnlyList<string> LastArgs => Calls[^1].Argv.Skip(5).ToList();

    public string? LastStdinText => Calls[^1].Stdin is { } s ? Encoding.UTF8.GetString(s) : null;

    public VirshTestHost Reply(string stdout = "", int exit = 0, string stderr = "")
    {
        _replies.Enqueue((exit, stdout, stderr));
        return this;
    }

    public VirshTestHost Fail(string stderr, int exit = 1) => Reply("", exit, stderr);

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        Calls.Add((argv.ToArray(), stdin, timeout));
        // With nothing queued a command succeeds silently, like most virsh changes.
        var (exit, stdout, stderr) = _replies.Count > 0 ? _replies.Dequeue() : (0, "", "");
        return Task.FromResult(new CommandResult(Name, argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr)));
    }

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Virsh", name));
}
