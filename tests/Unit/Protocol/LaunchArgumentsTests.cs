using Mvm.Protocol;

namespace Mvm.Tests.Unit.Protocol;

public class LaunchArgumentsTests
{
    [Theory]
    [InlineData(new[] { "127.0.0.1:4000" }, "127.0.0.1:4000", 0, false)]
    [InlineData(new[] { "--logtostderr", "-v=9", "127.0.0.1:4000" }, "127.0.0.1:4000", 9, true)]
    [InlineData(new[] { "--tracing", "http://x:1", "127.0.0.1:4000" }, "127.0.0.1:4000", 0, false)]
    [InlineData(new[] { "--logflow" }, null, 0, false)]
    public void LaunchArgumentsTakeTheLastPositional(string[] args, string? address, int verbosity, bool logToStderr)
    {
        var parsed = LaunchArguments.Parse(args);
        Assert.Equal(address, parsed.EngineAddress);
        Assert.Equal(verbosity, parsed.Verbosity);
        Assert.Equal(logToStderr, parsed.LogToStderr);
    }
}
