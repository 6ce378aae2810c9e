using Mvm.Protocol;

namespace Mvm.Tests.Unit.Protocol;

public class GrpcWireTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("line1\nline2", "line1%0Aline2")]
    [InlineData("héllo", "h%C3%A9llo")]
    public void GrpcMessageIsPercentEncoded(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcMessageText.Encode(message));
        Assert.Equal(message, GrpcMessageText.Decode(encoded));
    }

    [Fact]
    public void FrameRoundTrips()
    {
        var payload = new byte[] { 1, 2, 3 };
        var framed = GrpcFraming.Frame(payload);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 1, 2, 3 }, framed);
        Assert.Equal(payload, GrpcFraming.ReadUnary(framed).ToArray());
    }

    [Fact]
    public void EmptyMessageIsStillAFiveByteFrame() => Assert.Equal(5, GrpcFraming.Frame([]).Length);

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]                      // shorter than a header
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1 })]             // length beyond the body
    [InlineData(new byte[] { 0, 0, 0, 0, 1, 1, 7 })]          // trailing bytes: two messages in a unary call
    [InlineData(new byte[] { 7, 0, 0, 0, 0 })]                // invalid flag
    public void MalformedFramesAreRpcErrors(byte[] body)
    {
        var e = Assert.Throws<RpcException>(() => GrpcFraming.ReadUnary(body));
        Assert.Equal(GrpcStatusCode.Internal, e.Code);
    }

    [Fact]
    public void CompressedFramesAreRefusedAsUnimplemented()
    {
        var e = Assert.Throws<RpcException>(() => GrpcFraming.ReadUnary(new byte[] { 1, 0, 0, 0, 0 }));
        Assert.Equal(GrpcStatusCode.Unimplemented, e.Code);
    }

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
