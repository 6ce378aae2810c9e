using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The host handle the cluster layer and the resources hold (issue 13): it names the host, reaches the wrapped
/// host only through <see cref="IHost"/> (as tool clients use it), and compares like the host it wraps.
/// </summary>
public sealed class RemoteHostTests
{
    private sealed class Recorder(string name) : IHost
    {
        public List<string> Runs { get; } = [];
        public string Name => name;

        public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout,
            CancellationToken ct)
        {
            Runs.Add(string.Join(' ', argv));
            return Task.FromResult(new CommandResult(name, argv, 0, [], []));
        }
    }

    [Fact]
    public async Task ToolClientsRunThroughTheHandleOnTheWrappedHost()
    {
        var host = new Recorder("h1");
        IHost handle = new RemoteHost(host);
        await handle.RunAsync(["true"], null, TimeSpan.FromSeconds(1), default);
        Assert.Equal(["true"], host.Runs);
        Assert.Equal("h1", ((RemoteHost)handle).Name);
    }

    [Fact]
    public void HandlesOfOneHostAreEqualAndOfTwoAreNot()
    {
        var h1 = new Recorder("h1");
        Assert.True(new RemoteHost(h1) == new RemoteHost(h1));
        Assert.Equal(new RemoteHost(h1).GetHashCode(), new RemoteHost(h1).GetHashCode());
        Assert.True(new RemoteHost(h1) != new RemoteHost(new Recorder("h1")));
        Assert.Equal(new RemoteHost(h1), new RemoteHost(new RemoteHost(h1)));
    }

    [Fact]
    public void OfKeepsAHandleAsItIs()
    {
        var handle = new RemoteHost(new Recorder("h1"));
        Assert.Same(handle, RemoteHost.Of(handle));
    }

    [Fact]
    public void HostErrorsTellAnOutageFromAFailedCommand()
    {
        var unreachable = new HostUnreachableException("10.0.0.1", 22, "connection refused");
        var lost = new ConnectionLostException("h1", "true", "reset");
        var failed = new RemoteCommandFailedException("h1", ["false"], 1, "", "");
        Assert.True(HostErrors.CouldNotAnswer(unreachable) && HostErrors.CouldNotAnswer(lost));
        Assert.False(HostErrors.CouldNotAnswer(failed));
        Assert.True(HostErrors.Unreachable(unreachable) && !HostErrors.Unreachable(lost));
        Assert.True(HostErrors.CommandFailed(failed) && !HostErrors.CommandFailed(unreachable));
    }
}
