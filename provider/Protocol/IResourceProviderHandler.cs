using Mvm.Protocol.Wire;

namespace Mvm.Protocol;

/// <summary>What a provider implements; the protocol layer turns these into pulumirpc.ResourceProvider RPCs.</summary>
public interface IResourceProviderHandler
{
    string Version { get; }
    ProviderHandshakeResponse Handshake(ProviderHandshakeRequest request);
    void Attach(string engineAddress);
    string GetSchema(GetSchemaRequest request);
    Task<CheckResponse> CheckConfigAsync(CheckRequest request, CancellationToken ct);
    Task<DiffResponse> DiffConfigAsync(DiffRequest request, CancellationToken ct);
    Task<ConfigureResponse> ConfigureAsync(ConfigureRequest request, CancellationToken ct);
    Task<CheckResponse> CheckAsync(CheckRequest request, CancellationToken ct);
    Task<DiffResponse> DiffAsync(DiffRequest request, CancellationToken ct);
    Task<CreateResponse> CreateAsync(CreateRequest request, CancellationToken ct);
    Task<ReadResponse> ReadAsync(ReadRequest request, CancellationToken ct);
    Task<UpdateResponse> UpdateAsync(UpdateRequest request, CancellationToken ct);
    Task DeleteAsync(DeleteRequest request, CancellationToken ct);
    Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken ct);
    /// <summary>The engine is shutting down: stop work in flight.</summary>
    void Cancel();
}
