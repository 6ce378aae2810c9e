using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mvm.Protocol.Wire;

namespace Mvm.Protocol;

/// <summary>
/// pulumirpc.ResourceProvider on the generated server base, handed to <see cref="IResourceProviderHandler"/>.
/// RPCs the .proto subset does not declare (Construct, Call, Parameterize, GetMapping(s), List …) are answered
/// UNIMPLEMENTED by Grpc.AspNetCore, which the engine reads as "not supported".
/// </summary>
public sealed class ResourceProviderService(IResourceProviderHandler h, Action<string> diagnostics)
    : ResourceProvider.ResourceProviderBase
{
    public override Task<ProviderHandshakeResponse> Handshake(ProviderHandshakeRequest request,
        ServerCallContext context) => Guard(context, _ => Task.FromResult(h.Handshake(request)));

    public override Task<PluginInfo> GetPluginInfo(Empty request, ServerCallContext context) =>
        Guard(context, _ => Task.FromResult(new PluginInfo { Version = h.Version }));

    public override Task<GetSchemaResponse> GetSchema(GetSchemaRequest request, ServerCallContext context) =>
        Guard(context, _ => Task.FromResult(new GetSchemaResponse { Schema = h.GetSchema(request) }));

    public override Task<CheckResponse> CheckConfig(CheckRequest request, ServerCallContext context) =>
        Guard(context, ct => h.CheckConfigAsync(request, ct));

    public override Task<DiffResponse> DiffConfig(DiffRequest request, ServerCallContext context) =>
        Guard(context, ct => h.DiffConfigAsync(request, ct));

    public override Task<ConfigureResponse> Configure(ConfigureRequest request, ServerCallContext context) =>
        Guard(context, ct => h.ConfigureAsync(request, ct));

    public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context) =>
        Guard(context, ct => h.CheckAsync(request, ct));

    public override Task<DiffResponse> Diff(DiffRequest request, ServerCallContext context) =>
        Guard(context, ct => h.DiffAsync(request, ct));

    public override Task<CreateResponse> Create(CreateRequest request, ServerCallContext context) =>
        Guard(context, ct => h.CreateAsync(request, ct));

    public override Task<ReadResponse> Read(ReadRequest request, ServerCallContext context) =>
        Guard(context, ct => h.ReadAsync(request, ct));

    public override Task<UpdateResponse> Update(UpdateRequest request, ServerCallContext context) =>
        Guard(context, ct => h.UpdateAsync(request, ct));

    public override Task<Empty> Delete(DeleteRequest request, ServerCallContext context) =>
        Guard(context, async ct =>
        {
            await h.DeleteAsync(request, ct).ConfigureAwait(false);
            return new Empty();
        });

    public override Task<InvokeResponse> Invoke(InvokeRequest request, ServerCallContext context) =>
        Guard(context, ct => h.InvokeAsync(request, ct));

    public override Task<Empty> Cancel(Empty request, ServerCallContext context) =>
        Guard(context, _ =>
        {
            h.Cancel();
            return Task.FromResult(new Empty());
        });

    public override Task<Empty> Attach(PluginAttach request, ServerCallContext context) =>
        Guard(context, _ =>
        {
            h.Attach(request.Address);
            return Task.FromResult(new Empty());
        });

    /// <summary>
    /// Statuses the handler chose pass through; anything else is a provider bug, logged in full to stderr and
    /// answered UNKNOWN with its type and message (the server would otherwise send a generic text).
    /// </summary>
    private async Task<T> Guard<T>(ServerCallContext context, Func<CancellationToken, Task<T>> call)
    {
        try
        {
            return await call(context.CancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw; // the caller went away; there is nobody to answer
        }
        catch (Exception e)
        {
            diagnostics($"unhandled error in {context.Method}: {e}");
            throw RpcErrors.Of(StatusCode.Unknown, $"internal provider error: {e.GetType().Name}: {e.Message}");
        }
    }
}
