using Mvm.Framework;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

/// <summary>Waits for HEALTH_OK with every PG active+clean, reporting PG progress to the engine.</summary>
public static class HealthWait
{
    public static Task WaitAsync(Ceph ceph, TimeSpan limit, OperationContext ctx) =>
        ctx.StepAsync("wait for HEALTH_OK", null, async ct =>
        {
            var until = DateTime.UtcNow + limit;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var last = "";
            while (true)
            {
                try
                {
                    var s = await ceph.StatusAsync(ct).ConfigureAwait(false);
                    // A new OSD is in the map before its daemon boots; until then health can look fine.
                    if (s.Health.IsOk && s.Pgs.AllActiveClean && s.OsdMap.NumUpOsds == s.OsdMap.NumOsds)
                    {
                        await ctx.InfoAsync($"Ceph HEALTH_OK with all {s.Pgs.NumPgs} PGs active+clean after {clock.Elapsed.TotalSeconds:0.0} s of waiting").ConfigureAwait(false);
                        return;
                    }
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
