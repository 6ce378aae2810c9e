namespace Mvm.Cluster;

/// <summary>
/// How many monitors a cluster keeps and who takes over when a monitor host leaves: the cluster
/// runs min(3, hosts) monitors, so a departure that would leave fewer gets a replacement on the
/// first remaining host (in the hosts list's order) that has none. Pure: preview asks it with the
/// monitors from state, the update with the monitor map read just before the removal.
/// </summary>
public static class MonitorPlan
{
    /// <summary>
    /// The host that gets a new monitor before <paramref name="leaving"/> goes, or null when the
    /// monitors that stay are enough or no remaining host can take one.
    /// </summary>
    /// <param name="monitors">Monitor names now (monitors are named after their hosts' display names).</param>
    /// <param name="leaving">The monitor about to be removed.</param>
    /// <param name="departing">Every monitor this update removes (several hosts may leave at once): none of them counts
    /// as staying.</param>
    /// <param name="remainingHosts">The hosts that stay, in the hosts list's order.</param>
    public static string? Replacement(IReadOnlyCollection<string> monitors, string leaving,
        IReadOnlyCollection<string> departing,
        IReadOnlyList<string> remainingHosts)
    {
        ArgumentNullException.ThrowIfNull(monitors);
        if (!monitors.Contains(leaving, StringComparer.Ordinal)) return null;
        var staying = monitors.Where(m => m != leaving && !departing.Contains(m, StringComparer.Ordinal)).ToList();
        return staying.Count >= Wanted(remainingHosts.Count) ? null
            : remainingHosts.FirstOrDefault(h => !monitors.Contains(h, StringComparer.Ordinal));
    }

    /// <summary>How many monitors a cluster of <paramref name="hosts"/> hosts runs.</summary>
    public static int Wanted(int hosts) => Math.Min(ClusterProvisioner.MaxMonitors, hosts);
}
