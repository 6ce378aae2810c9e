using Mvm.Framework;

namespace Mvm.Resources.Shared;

[ObjectType("OsdState", "A Ceph OSD as read from the cluster.")]
public sealed class OsdState
{
    [Output("OSD id (the N in osd.N).", Always = true)]
    public int? Id { get; set; }

    [Output("Display name of the host the OSD runs on.")]
    public string? Host { get; set; }

    [Output("Data device backing the OSD, as listed in the host's `dataDevices`.")]
    public string? Device { get; set; }

    [Output("True when the OSD daemon is running and reporting (`up`).")]
    public bool? Up { get; set; }

    [Output("True when the OSD holds data (`in`); false while it is drained for removal.")]
    public bool? In { get; set; }

    [Output("Raw capacity of the OSD in bytes.")]
    public long? CapacityBytes { get; set; }

    /// <summary>The OSDs a join created (host → device → id), in id order.</summary>
    public static List<OsdState> ListOf(IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> byHost) =>
        byHost.SelectMany(h => h.Value.Select(d => new OsdState { Id = d.Value, Host = h.Key, Device = d.Key }))
            .OrderBy(o => o.Id).ToList();
}
