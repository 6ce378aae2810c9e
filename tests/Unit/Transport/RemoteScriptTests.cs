using System.Text;
using Mvm.Tests.Transport;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

public class RemoteScriptTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunsEveryCommandAndReturnsEachOnesExitStdoutAndStderr()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var script = new RemoteScript { StopOnFailure = false }
            .Add(["sh", "-c", "echo out; echo err >&2; exit 3"])
            .Add(["cat"], bytes)
            .Add(["cat"]) // no stdin: /dev/null, so it cannot swallow the rest of the script
            .Add(["printf", "%s|", "a b", "$(id)", "'"])
            .Add(["true"]);
        var r = await script.RunAsync(new LocalHost(), T, default);
        Assert.Equal(5, r.Count);
        Assert.Equal((3, "out\n", "err\n"), (r[0]!.ExitCode, r[0]!.StdoutText, r[0]!.StderrText));
        Assert.Equal(bytes, r[1]!.Stdout);
        Assert.Empty(r[2]!.Stdout);
        Assert.Equal("a b|$(id)|'|", r[3]!.StdoutText);
        Assert.Equal(0, r[4]!.ExitCode);
        Assert.False(r.AllSucceeded);
        Assert.Same(r[0], r.FirstFailure);
        Assert.Equal(["printf", "%s|", "a b", "$(id)", "'"], r[3]!.Argv);
    }

    [Fact]
    public async Task StopsAtTheFirstFailureByDefault()
    {
        var r = await new RemoteScript().Add(["true"]).Add(["false"]).Add(["touch", "/should-not-run"]).RunAsync(new LocalHost(), T, default);
        Assert.Equal(0, r[0]!.ExitCode);
        Assert.Equal(1, r[1]!.ExitCode);
        Assert.Null(r[2]);
        var e = Assert.Throws<RemoteCommandFailedException>(() => r.EnsureSuccess());
        Assert.Contains("`false` failed on local with exit code 1", e.Message);
    }

    [Fact]
    public async Task HostileArgumentsArriveIntact()
    {
        var corpus = HostileStrings.Corpus();
        var r = await new RemoteScript().Add(["bash", "-c", "printf '%s\\0' \"$@\"", "argv0", .. corpus]).RunAsync(new LocalHost(), T, default);
        Assert.Equal(corpus.SelectMany(s => Encoding.UTF8.GetBytes(s).Append((byte)0)).ToArray(), r[0]!.EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task IsOneBashInvocationWithTheScriptOnStdin()
    {
        var nonce = "n0";
        var host = new CannedHost(0, "chatty bashrc\nMVM-n0 0 0\naGk=\n\nMVM-n0 1 2\n\nYm9vbQ==\n");
        var script = new RemoteScript { StopOnFailure = false }.Add(["echo", "hi"]).Add(["boom"]);
        // RunAsync draws its own nonce; parse the canned output with a fixed one.
        var parsed = script.Parse("canned", nonce, Encoding.UTF8.GetBytes("chatty bashrc\nMVM-n0 0 0\naGk=\n\nMVM-n0 1 2\n\nYm9vbQ==\n"));
        Assert.Equal(("hi", ""), (parsed[0]!.StdoutText, parsed[0]!.StderrText));
        Assert.Equal((2, "boom"), (parsed[1]!.ExitCode, parsed[1]!.StderrText));

        await Assert.ThrowsAsync<FormatException>(() => script.RunAsync(host, T, default)); // wrong nonce: nothing reported
        Assert.Equal(["bash", "-s"], host.LastArgv);
        var text = Encoding.UTF8.GetString(host.LastStdin!);
        Assert.Contains("\necho hi </dev/null >\"$d/o\" 2>\"$d/e\"; c=$?; mvm_report_", text);
    }

    [Fact]
    public void MalformedOutputIsAnErrorNotAGuess()
    {
        var script = new RemoteScript().Add(["true"]);
        Assert.Throws<FormatException>(() => script.Parse("h", "n", Encoding.UTF8.GetBytes("MVM-n 7 0\n\n\n")));
        Assert.Throws<FormatException>(() => script.Parse("h", "n", Encoding.UTF8.GetBytes("MVM-n 0\n\n\n")));
        Assert.Throws<FormatException>(() => script.Parse("h", "n", Encoding.UTF8.GetBytes("")));
    }

    [Fact]
    public async Task AScriptThatCannotRunIsACommandFailure()
    {
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() =>
            new RemoteScript().Add(["true"]).RunAsync(new CannedHost(90, "", "mvm script: mktemp failed\n"), T, default));
        Assert.Contains("mktemp failed", e.Message);
    }

    [Fact]
    public void RejectsBadArgumentsWhenAdded() =>
        Assert.Contains("NUL", Assert.Throws<ArgumentException>(() => new RemoteScript().Add(["echo", "\0"])).Message);
}
