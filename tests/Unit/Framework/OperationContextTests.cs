using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;

namespace Mvm.Tests.Unit.Framework;

public class OperationContextTests
{
    private static OperationContext NewContext(CancellationToken ct = default)
    {
        var log = new EngineLog(null, _ => { });
        return new OperationContext("create", "mvm:index:X", "x", "urn", false, Mvm.Framework.Config.ConfigLoader.Defaults(_ => null), log,
            new SecretScrubber(), ct, null);
    }

    [Fact]
    public async Task AFailingStepNamesItselfAndItsHost()
    {
        var ctx = NewContext();
        var e = await Assert.ThrowsAsync<StepFailedException>(() =>
            ctx.StepAsync("install packages", "h2", _ => throw new InvalidOperationException("apt-get exited 100")));
        Assert.Equal("install packages", e.StepName);
        Assert.Equal("h2", e.HostName);
        Assert.Equal("apt-get exited 100", e.Message);
    }

    [Fact]
    public async Task ACancelledStepIsRememberedForTheTimeoutMessage()
    {
        using var cts = new CancellationTokenSource();
        var ctx = NewContext(cts.Token);
        cts.CancelAfter(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ctx.StepAsync("probe SSH", "h1", ct => Task.Delay(Timeout.Infinite, ct)));
        Assert.Equal(("probe SSH", "h1"), ctx.InterruptedStep);
    }
}
