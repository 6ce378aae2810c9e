using System.Diagnostics;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>What a wait for HEALTH_OK may take and what it knows about the cluster's intended shape.</summary>
public sealed record HealthWaitOptions
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(15);

    /// <summary>The whole wait; the provider's `cephHealthTimeout` sets it.</summary>
    public TimeSpan Limit { get; init; } = DefaultLimit;

    /// <summary>
    /// Monitors whose hosts left the cluster in this operation (or before): MON_DOWN for one of them ends the wait at
    /// once.
    /// </summary>
    public IReadOnlyCollection<string> DepartedMonitors { get; init; } = [];

    /// <summary>
    /// How long a check that waiting cannot clear (<see cref="HealthTriage.NeedsAction"/>) may last before the wait
    /// gives up.
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The limit from a `cephHealthTimeout` text (a duration such as `20m`), or the default.</summary>
    public static TimeSpan LimitFrom(string? cephHealthTimeout) =>
        cephHealthTimeout is { } text && Durations.TryParse(text, out var limit) && limit > TimeSpan.Zero ?
            limit : DefaultLimit;
}

/// <summary>
/// Waits for HEALTH_OK with every PG active+clean and every OSD up, reporting progress to the
/// engine. Bounded: it ends at the limit, and sooner when the health detail shows a condition
/// waiting will not clear (<see cref="HealthTriage"/>); either error says what it waited for and
/// what it saw last.
/// </summary>
public static class HealthWait
{
    /// <summary>How long HEALTH_OK must hold before it counts.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    private const string Goal = "HEALTH_OK with all PGs active+clean and every OSD up";

    public static Task WaitAsync(Ceph ceph, HealthWaitOptions options, IOperationSteps ctx) =>
        ctx.StepAsync("wait for HEALTH_OK", null, async ct =>
        {
            var clock = Stopwatch.StartNew();
            TimeSpan? okSince = null;
            var last = "no answer from Ceph yet";
            var since = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
            while (true)
            {
                try
                {
                    var s = await ceph.StatusAsync(ct).ConfigureAwait(false);
                    // A new OSD is in the map before its daemon boots, and a purge or a new OSD
                    // sets off peering a moment later: health counts once it holds across two looks.
                    if (s.Health.IsOk && s.Pgs.AllActiveClean && s.OsdMap.NumUpOsds == s.OsdMap.NumOsds)
                    {
                        since.Clear();
                        okSince ??= clock.Elapsed;
                        if (clock.Elapsed - okSince >= Settle)
                        {
                            await ctx.InfoAsync($"Ceph HEALTH_OK with all {s.Pgs.NumPgs} PGs active+clean after " +
                                $"{okSince.Value.TotalSeconds:0.0} s of waiting").ConfigureAwait(false);
                            return;
                        }
                        await Task.Delay(1000, ct).ConfigureAwait(false);
                        continue;
                    }
                    okSince = null;
                    var line = Describe(s);
                    if (line != last) await ctx.StatusAsync(line).ConfigureAwait(false);
                    last = line;
                    if (!s.Health.IsOk) await GiveUpIfHopelessAsync(ceph, s.Health, options, since, clock.Elapsed, ct)
                        .ConfigureAwait(false);
                }
                catch (Exception e) when (e is CephUnreachableException || HostErrors.CommandFailed(e))
                {
                    last = e.Message.Split('\n')[0];
                }
                if (clock.Elapsed >= options.Limit)
                {
                    var detail = "";
                    try { detail = " Health detail: " + (await ceph.HealthDetailAsync(ct).ConfigureAwait(false)) +
                        "."; }
                    catch (Exception e) when (e is not OperationCanceledException) { }
                    throw new ProviderException($"Ceph (asked on {ceph.Host.Name}) did not reach {Goal} within " +
                        $"{Durations.Format(options.Limit)}; last seen: {last}.{detail} " +
                        "Look at `ceph health detail` on a monitor host; run `pulumi up` again once it is healthy, " +
                            "or raise the provider's cephHealthTimeout if the cluster is only slow.");
                }
                await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
            }
        }, readOnly: true);

    public static string Describe(CephStatus s)
    {
        var checks = s.Health.IsOk ? "" : " (" + string.Join(", ", s.Health.Checks.Select(c => c.Code)) + ")";
        return $"Ceph {s.Health.Status}{checks}, {s.Health.Checks.Count} check(s), " +
            $"{s.OsdMap.NumUpOsds}/{s.OsdMap.NumOsds} OSDs up, " +
               $"PGs {s.Pgs.ActiveCleanPercent:0}% active+clean ({s.Pgs.ActiveClean}/{s.Pgs.NumPgs}), monitors in " +
                   $"quorum: {string.Join(", ", s.QuorumNames)}";
    }

    private static async Task GiveUpIfHopelessAsync(Ceph ceph, HealthReport health, HealthWaitOptions options,
        Dictionary<string, TimeSpan> since,
        TimeSpan now, CancellationToken ct)
    {
        foreach (var code in since.Keys.Except(health.Checks.Select(c => c.Code)).ToList()) since.Remove(code);
        foreach (var c in health.Checks) since.TryAdd(c.Code, now);
        var monDown = options.DepartedMonitors.Count > 0 && health.Find("MON_DOWN") is not null;
        var lasting = health.Checks.Any(c =>
            HealthTriage.NeedsAction.ContainsKey(c.Code) && now - since[c.Code] >= options.Grace);
        if (!monDown && !lasting) return;
        // `ceph status` carries summaries only; which monitor is down is in the detail.
        var detail = await ceph.HealthDetailAsync(ct).ConfigureAwait(false);
        var held = since.ToDictionary(kv => kv.Key, kv => now - kv.Value, StringComparer.Ordinal);
        if (HealthTriage.Hopeless(detail, options.DepartedMonitors, held, options.Grace) is { } reason)
            throw new ProviderException($"stopped waiting for Ceph {Goal} after {now.TotalSeconds:0} s: waiting will " +
                $"not clear it. " +
                $"Seen on {ceph.Host.Name}: {detail}. {reason}.");
    }
}
