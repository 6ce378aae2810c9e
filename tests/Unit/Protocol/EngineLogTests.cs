using Mvm.Protocol;

namespace Mvm.Tests.Unit.Protocol;

public sealed class EngineLogTests
{
    [Fact]
    public async Task ALogThatCannotBeDeliveredGoesToStderrAndFailsNothing()
    {
        // A port that was just free: nothing listens, so the engine is "gone".
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var lines = new List<string>();
        using var log = new EngineLog($"127.0.0.1:{port}", lines.Add);
        await log.WarningAsync("disk almost full");
        var line = Assert.Single(lines);
        Assert.StartsWith($"could not send log to engine at 127.0.0.1:{port}: Unavailable", line,
            StringComparison.Ordinal);
        Assert.EndsWith("message was: disk almost full", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnEngineAddressLinesGoToStderrWithTheirSeverity()
    {
        var lines = new List<string>();
        using var log = new EngineLog(null, lines.Add);
        await log.ErrorAsync("no engine yet");
        Assert.Equal("[Error] no engine yet", Assert.Single(lines));
    }
}
