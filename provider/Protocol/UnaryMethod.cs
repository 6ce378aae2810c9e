using Google.Protobuf;

namespace Mvm.Protocol;

/// <summary>One unary RPC: parses its request type and runs the handler.</summary>
public sealed class UnaryMethod
{
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, Task<IMessage>> _invoke;

    private UnaryMethod(string path, Func<ReadOnlyMemory<byte>, CancellationToken, Task<IMessage>> invoke)
    {
        Path = path;
        _invoke = invoke;
    }

    public string Path { get; }

    public Task<IMessage> InvokeAsync(ReadOnlyMemory<byte> payload, CancellationToken ct) => _invoke(payload, ct);

    public static UnaryMethod Create<TRequest, TResponse>(
        string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, CancellationToken, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage
    {
        return new UnaryMethod($"/{service}/{method}", async (payload, ct) =>
        {
            TRequest request;
            try
            {
                request = parser.ParseFrom(payload.Span);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(GrpcStatusCode.Internal,
                    $"malformed gRPC request for {method}: the message is not a " +
                        $"valid {typeof(TRequest).Name}: {e.Message}");
            }
            return await handler(request, ct).ConfigureAwait(false);
        });
    }
}
