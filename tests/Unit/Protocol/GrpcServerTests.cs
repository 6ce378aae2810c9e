using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mvm.Protocol;
using Mvm.Protocol.Wire;
using RpcStatus = Mvm.Protocol.Wire.Rpc.Status;

namespace Mvm.Tests.Unit.Protocol;

/// <summary>
/// The provider's gRPC server in process, called through Grpc.Net.Client: what a handler returns or throws is
/// what the engine receives (status code, message text, google.rpc.Status details).
/// </summary>
public sealed class GrpcServerTests
{
    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name,
        MessageParser<TRequest> requests, MessageParser<TResponse> responses)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, "pulumirpc.ResourceProvider", name,
            Marshallers.Create(m => m.ToByteArray(), requests.ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), responses.ParseFrom));

    private static readonly Method<CheckRequest, CheckResponse> Check =
        Unary("Check", CheckRequest.Parser, CheckResponse.Parser);

    private sealed class Running(GrpcServer server, GrpcChannel channel, List<string> diagnostics) : IAsyncDisposable
    {
        public CallInvoker Calls { get; } = channel.CreateCallInvoker();
        public List<string> Diagnostics => diagnostics;

        public async ValueTask DisposeAsync()
        {
            channel.Dispose();
            await server.DisposeAsync();
        }
    }

    private static async Task<Running> StartAsync(IResourceProviderHandler handler)
    {
        var diagnostics = new List<string>();
        var service = new ResourceProviderService(handler, line =>
        {
            lock (diagnostics) diagnostics.Add(line);
        });
        var server = new GrpcServer(service);
        var port = await server.StartAsync();
        return new Running(server, GrpcChannel.ForAddress($"http://127.0.0.1:{port}"), diagnostics);
    }

    [Fact]
    public async Task AHandlersAnswerArrives()
    {
        await using var s = await StartAsync(new ScriptedHandler((r, _) =>
            Task.FromResult(new CheckResponse { Failures = { new CheckFailure { Property = r.Urn } } })));
        var response = await s.Calls.AsyncUnaryCall(Check, null, new CallOptions(), new CheckRequest { Urn = "u1" });
        Assert.Equal("u1", Assert.Single(response.Failures).Property);
    }

    [Fact]
    public async Task DetailsTravelAsAGoogleRpcStatusWhoseCodeMatchesTheStatus()
    {
        var detail = new ErrorResourceInitFailed { Id = "vm-1", Reasons = { "disk attached, guest not booted" } };
        await using var s = await StartAsync(new ScriptedHandler((_, _) =>
            throw RpcErrors.Of(StatusCode.Unknown, "create did not finish", detail)));

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            s.Calls.AsyncUnaryCall(Check, null, new CallOptions(), new CheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.Equal("create did not finish", e.Status.Detail);
        var status = RpcStatus.Parser.ParseFrom(e.Trailers.GetValueBytes(RpcErrors.DetailsTrailer));
        Assert.Equal((int)StatusCode.Unknown, status.Code);
        var any = Assert.Single(status.Details);
        Assert.Equal("type.googleapis.com/pulumirpc.ErrorResourceInitFailed", any.TypeUrl);
        Assert.Equal(detail, any.Unpack<ErrorResourceInitFailed>());
    }

    [Fact]
    public async Task AStatusWithoutDetailsSendsNoDetailsTrailer()
    {
        await using var s = await StartAsync(new ScriptedHandler((_, _) =>
            throw RpcErrors.Of(StatusCode.InvalidArgument, "bad input")));
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            s.Calls.AsyncUnaryCall(Check, null, new CallOptions(), new CheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Null(e.Trailers.Get(RpcErrors.DetailsTrailer));
    }

    [Theory]
    [InlineData("line1\nline2")]
    [InlineData("100% héllo")]
    public async Task MessagesWithNewlinesPercentSignsAndNonAsciiSurviveTheTrailer(string message)
    {
        await using var s = await StartAsync(new ScriptedHandler((_, _) =>
            throw RpcErrors.Of(StatusCode.FailedPrecondition, message)));
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            s.Calls.AsyncUnaryCall(Check, null, new CallOptions(), new CheckRequest()).ResponseAsync);
        Assert.Equal(message, e.Status.Detail);
    }

    [Fact]
    public async Task AnUnexpectedExceptionIsUnknownWithItsTypeAndMessageAndIsLoggedInFull()
    {
        await using var s = await StartAsync(new ScriptedHandler((_, _) =>
            throw new InvalidOperationException("boom")));
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            s.Calls.AsyncUnaryCall(Check, null, new CallOptions(), new CheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.Equal("internal provider error: InvalidOperationException: boom", e.Status.Detail);
        lock (s.Diagnostics)
            Assert.Contains(s.Diagnostics, l => l.StartsWith("unhandled error in /pulumirpc.ResourceProvider/Check",
                StringComparison.Ordinal) && l.Contains("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MethodsTheProviderDoesNotServeAreUnimplemented()
    {
        await using var s = await StartAsync(new ScriptedHandler((_, _) => Task.FromResult(new CheckResponse())));
        var construct = Unary("Construct", Empty.Parser, Empty.Parser);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            s.Calls.AsyncUnaryCall(construct, null, new CallOptions(), new Empty()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task CancelReachesTheHandler()
    {
        var handler = new ScriptedHandler((_, _) => Task.FromResult(new CheckResponse()));
        await using var s = await StartAsync(handler);
        var cancel = Unary("Cancel", Empty.Parser, Empty.Parser);
        await s.Calls.AsyncUnaryCall(cancel, null, new CallOptions(), new Empty());
        Assert.Equal(1, handler.Cancels);
    }

    [Fact]
    public async Task AGzipCompressedRequestIsAccepted()
    {
        await using var s = await StartAsync(new ScriptedHandler((r, _) =>
            Task.FromResult(new CheckResponse { Failures = { new CheckFailure { Property = r.Urn } } })));
        // Grpc.Net.Client compresses the request when this header names an encoding; the old server refused it.
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var urn = new string('u', 4096);
        var response = await s.Calls.AsyncUnaryCall(Check, null, new CallOptions(gzip), new CheckRequest { Urn = urn });
        Assert.Equal(urn, Assert.Single(response.Failures).Property);
    }

    [Fact]
    public async Task TheCallersDeadlineCancelsTheHandler()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var s = await StartAsync(new ScriptedHandler(async (_, ct) =>
        {
            using var registration = ct.Register(() => cancelled.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return new CheckResponse();
        }));
        // Long enough for the request to reach the handler on a loaded machine: with 300 ms the client's
        // deadline sometimes passed before the call was sent, and no handler ever ran to be cancelled.
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2));
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            s.Calls.AsyncUnaryCall(Check, null, options, new CheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.True(started.Task.IsCompleted, "the call never reached the handler before its deadline");
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
