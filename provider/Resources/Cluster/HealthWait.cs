using Mvm.Framework;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

/// <summary>Waits for HEALTH_OK with every PG active+clean, reporting PG progress to the engine.</summary>
public static class HealthWait
{
    /// <summary>How long HEALTH_OK must hold before it counts.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public static Task WaitAsync(Ceph ceph, TimeSpan limit, OperationContext ctx) =>
        ctx.StepAsync("wait for HEALTH_OK", null, async ct =>
        {
            var until = DateTime.UtcNow + limit;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan? okSince = null;
            var last = "";
            while (true)
            {
                try
                {
                    var s = await ceph.StatusAsync(ct).ConfigureAwait(false);
                    // A new OSD is in the map before its daemon boots, and a purge or a new OSD
                    // sets off peering a moment later: health counts once it holds across two looks.
                    if (s.Health.IsOk && s.Pgs.AllActiveClean && s.OsdMap.NumUpOsds == s.OsdMap.NumOsds)
                    {
                        if (okSince is null) okSince = clock.Elapsed;
                        else if (clock.Elapsed - okSince >= Settle)
                        {
                            await ctx.InfoAsync($"Ceph HEALTH_OK with all {s.Pgs.NumPgs} PGs active+clean after {okSince.Value.TotalSeconds:0.0} s of waiting").ConfigureAwait(false);
                            return;
                        }
                        await Task.Delay(1000, ct).ConfigureAwait(false);
                        continue;
                    }
                    okSince = null;
                    var checks = s.Health.IsOk ? "" : " (" + string.Join(", ", s.Health.Checks.Select(c => c.Code)) + ")";
                    var line = $"Ceph {s.Health.Status}{checks}, {s.OsdMap.NumUpOsds}/{s.OsdMap.NumOsds} OSDs up, PGs {s.Pgs.ActiveCleanPercent:0}% active+clean ({s.Pgs.ActiveClean}/{s.Pgs.NumPgs})";
                    if (line != last) await ctx.StatusAsync(line).ConfigureAwait(false);
                    last = line;
                }
                catch (Exception e) when (e is CephUnreachableException or RemoteCommandFailedException)
                {
                    last = e.Message.Split('\n')[0];
                }
                if (DateTime.UtcNow > until)
                {
                    var detail = "";
                    try { detail = (await ceph.HealthDetailAsync(ct).ConfigureAwait(false)).ToString(); } catch (Exception e) when (e is not OperationCanceledException) { }
                    throw new ProviderException($"Ceph did not reach HEALTH_OK with all PGs active+clean within {limit.TotalMinutes:0} min: {last}. {detail} " +
                        "Look at `ceph health detail` on a monitor host; run `pulumi up` again once it is healthy.");
                }
                await Task.Delay(2000, ct).ConfigureAwait(false);
            }
        }, readOnly: true);
}
