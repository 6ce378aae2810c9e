using Google.Protobuf.WellKnownTypes;
using Mvm.Protocol.Wire;

namespace Mvm.Protocol;

/// <summary>
/// The pulumirpc.ResourceProvider method table. RPCs not listed (Construct, Call, Parameterize,
/// GetMapping(s), List …) answer UNIMPLEMENTED, which the engine reads as "not supported".
/// </summary>
public static class ResourceProviderService
{
    private const string Service = "pulumirpc.ResourceProvider";

    public static IEnumerable<UnaryMethod> Methods(IResourceProviderHandler h)
    {
        yield return UnaryMethod.Create(Service, "Handshake", ProviderHandshakeRequest.Parser,
            (r, _) => Task.FromResult(h.Handshake(r)));
        yield return UnaryMethod.Create(Service, "GetPluginInfo", Empty.Parser,
            (_, _) => Task.FromResult(new PluginInfo { Version = h.Version }));
        yield return UnaryMethod.Create(Service, "GetSchema", GetSchemaRequest.Parser,
            (r, _) => Task.FromResult(new GetSchemaResponse { Schema = h.GetSchema(r) }));
        yield return UnaryMethod.Create(Service, "CheckConfig", CheckRequest.Parser, h.CheckConfigAsync);
        yield return UnaryMethod.Create(Service, "DiffConfig", DiffRequest.Parser, h.DiffConfigAsync);
        yield return UnaryMethod.Create(Service, "Configure", ConfigureRequest.Parser, h.ConfigureAsync);
        yield return UnaryMethod.Create(Service, "Check", CheckRequest.Parser, h.CheckAsync);
        yield return UnaryMethod.Create(Service, "Diff", DiffRequest.Parser, h.DiffAsync);
        yield return UnaryMethod.Create(Service, "Create", CreateRequest.Parser, h.CreateAsync);
        yield return UnaryMethod.Create(Service, "Read", ReadRequest.Parser, h.ReadAsync);
        yield return UnaryMethod.Create(Service, "Update", UpdateRequest.Parser, h.UpdateAsync);
        yield return UnaryMethod.Create(Service, "Delete", DeleteRequest.Parser, async (r, ct) =>
        {
            await h.DeleteAsync(r, ct).ConfigureAwait(false);
            return new Empty();
        });
        yield return UnaryMethod.Create(Service, "Invoke", InvokeRequest.Parser, h.InvokeAsync);
        yield return UnaryMethod.Create(Service, "Cancel", Empty.Parser, (_, _) =>
        {
            h.Cancel();
            return Task.FromResult(new Empty());
        });
        yield return UnaryMethod.Create(Service, "Attach", PluginAttach.Parser, (r, _) =>
        {
            h.Attach(r.Address);
            return Task.FromResult(new Empty());
        });
    }
}
