// TEMPORARY: replaced by helper/osdremoval's classes at merge.
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

public sealed record RemovalRequest(IReadOnlyList<int> OsdIds, string? HostBucket, string? MonName);

public static class RemovalPreflight
{
    public static Task<IReadOnlyList<string>> CheckAsync(Ceph ceph, RemovalRequest request, CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([]);
}

public sealed class OsdRemoval
{
    public Task RemoveAsync(Ceph ceph, IHost osdHost, int osdId, IProgress<string>? progress, TimeSpan drainLimit, CancellationToken ct) => throw new NotImplementedException();
    public Task RemoveHostAsync(Ceph ceph, IHost host, string hostBucket, string? monName, CancellationToken ct) => throw new NotImplementedException();
}
