using Mvm.Protocol;
using Mvm.Protocol.Wire;

namespace Mvm.Tests.Unit.Protocol;

/// <summary>
/// A provider whose Check runs the function a test gives it, so the server's treatment of what a handler
/// returns or throws can be seen on the wire. Every other RPC is unused by the tests and fails loudly.
/// </summary>
internal sealed class ScriptedHandler(Func<CheckRequest, CancellationToken, Task<CheckResponse>> check)
    : IResourceProviderHandler
{
    public string Version => "9.9.9";
    public int Cancels { get; private set; }
    public Task<CheckResponse> CheckAsync(CheckRequest request, CancellationToken ct) => check(request, ct);
    public void Cancel() => Cancels++;

    public ProviderHandshakeResponse Handshake(ProviderHandshakeRequest request) => throw Unused();
    public void Attach(string engineAddress) => throw Unused();
    public string GetSchema(GetSchemaRequest request) => throw Unused();
    public Task<CheckResponse> CheckConfigAsync(CheckRequest request, CancellationToken ct) => throw Unused();
    public Task<DiffResponse> DiffConfigAsync(DiffRequest request, CancellationToken ct) => throw Unused();
    public Task<ConfigureResponse> ConfigureAsync(ConfigureRequest request, CancellationToken ct) => throw Unused();
    public Task<DiffResponse> DiffAsync(DiffRequest request, CancellationToken ct) => throw Unused();
    public Task<CreateResponse> CreateAsync(CreateRequest request, CancellationToken ct) => throw Unused();
    public Task<ReadResponse> ReadAsync(ReadRequest request, CancellationToken ct) => throw Unused();
    public Task<UpdateResponse> UpdateAsync(UpdateRequest request, CancellationToken ct) => throw Unused();
    public Task DeleteAsync(DeleteRequest request, CancellationToken ct) => throw Unused();
    public Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken ct) => throw Unused();

    private static NotSupportedException Unused() => new("not used by these tests");
}
