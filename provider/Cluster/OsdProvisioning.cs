using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// One BlueStore OSD per data device (`ceph-volume raw`, no LVM needed), its data directory on
/// the root filesystem so it survives reboots without re-activation, started under systemd.
/// Devices already carrying an OSD of this cluster are only made sure to run.
/// </summary>
public static class OsdProvisioning
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Creates (or resumes) the OSDs for <paramref name="devices"/> on one host, one at a time; returns device → OSD
    /// id.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, int>> EnsureAsync(ClusterNode node, string fsid,
        IReadOnlyList<string> devices, IOperationSteps ctx)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        var volume = new CephVolume(node.Host, ClusterConnection.CephContext, TimeSpan.FromMinutes(10));
        foreach (var device in devices)
        {
            var id = await ctx.StepAsync($"create OSD on {device}", node.Name, async ct =>
            {
                var existing = (await volume.RawListAsync(device, ct).ConfigureAwait(false)).FirstOrDefault();
                if (existing is not null &&
                    !string.Equals(existing.ClusterFsid, fsid, StringComparison.OrdinalIgnoreCase))
                    throw new ProviderException($"{device} on {node.Name} carries osd.{existing.OsdId} of another " +
                        $"Ceph cluster ({existing.ClusterFsid}); " +
                        "wipe it (`wipefs -a`) if its data is not needed, or remove it from dataDevices");
                var osd = existing ?? await volume.RawPrepareAsync(new RawPrepareOptions(device) { NoTmpfs = true }, ct)
                    .ConfigureAwait(false);
                if (!await Systemd.IsActive($"ceph-osd@{osd.OsdId}").RunAsync(node.Host, T, ct)
                    .ConfigureAwait(false))
                {
                    await volume.RawActivateAsync(device, noTmpfs: true, ct).ConfigureAwait(false);
                    var batch = new ToolBatch();
                    batch.Add(Systemd.Enable(["ceph.target", "ceph-osd.target"]));
                    batch.Add(Systemd.Enable([$"ceph-osd@{osd.OsdId}"], now: true));
                    await batch.RunCheckedAsync(node.Host, T, ct).ConfigureAwait(false);
                }
                return osd.OsdId;
            });
            await ctx.InfoAsync($"{node.Name}: osd.{id} on {device}");
            result[device] = id;
        }
        return result;
    }
}
