using System.Net;
using Mvm.Framework;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.Cluster;

/// <summary>
/// Keeping the monitor count when a monitor host leaves: a replacement monitor (and manager) on a
/// remaining host, added to the map before its daemon starts so the quorum never shrinks below
/// what it was; and every member's ceph.conf pointed at the monitors that exist.
/// </summary>
public static class CephMonitors
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(3);
    private const string TmpKeyring = "/var/lib/ceph/tmp/mon.keyring";
    private const string TmpMonmap = "/var/lib/ceph/tmp/monmap";

    public static async Task AddAsync(Ceph ceph, IHost host, string name, IPAddress address, OperationContext ctx)
    {
        await ctx.StepAsync($"add monitor {name}", host.Name, async ct =>
        {
            if ((await ceph.MonDumpAsync(ct).ConfigureAwait(false)).Find(name) is null)
                await ceph.MonAddAsync(name, address, ct).ConfigureAwait(false);
            var dir = $"/var/lib/ceph/mon/ceph-{name}";
            var made = await host.RunAsync(["test", "-e", dir + "/done"], null, T, ct).ConfigureAwait(false);
            var script = new RemoteScript();
            if (made.ExitCode != 0)
                script
                    .Add(["rm", "-rf", dir])
                    .Add(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", dir, "/var/lib/ceph/tmp"])
                    .Add(["ceph", "--connect-timeout", "30", "auth", "get", "mon.", "-o", TmpKeyring])
                    .Add(["ceph", "--connect-timeout", "30", "mon", "getmap", "-o", TmpMonmap])
                    .Add(["chown", "ceph:ceph", TmpKeyring, TmpMonmap])
                    .Add(["runuser", "-u", "ceph", "--", "ceph-mon", "--mkfs", "-i", name, "--monmap", TmpMonmap, "--keyring", TmpKeyring])
                    .Add(["touch", dir + "/done"])
                    .Add(["rm", "-f", TmpKeyring, TmpMonmap]);
            script
                .Add(["systemctl", "enable", "ceph.target", "ceph-mon.target"])
                .Add(["systemctl", "enable", "--now", $"ceph-mon@{name}"]);
            (await script.RunAsync(host, T, ct).ConfigureAwait(false)).EnsureSuccess();
        });
        await ctx.StepAsync("wait for the new monitor to join the quorum", host.Name, async ct =>
        {
            var until = DateTime.UtcNow + T;
            while (true)
            {
                var status = await ceph.StatusAsync(ct).ConfigureAwait(false);
                if (status.QuorumNames.Contains(name)) return;
                if (DateTime.UtcNow > until)
                    throw new ProviderException($"monitor {name} did not join the quorum ({string.Join(", ", status.QuorumNames)}) within {T.TotalMinutes:0} min; " +
                        $"see `journalctl -u ceph-mon@{name}` on {host.Name}");
                await Task.Delay(1000, ct).ConfigureAwait(false);
            }
        }, readOnly: true);
        await ctx.StepAsync("start Ceph manager", host.Name, ct => CephBootstrap.StartManagerAsync(host, name, ct));
        await ctx.InfoAsync($"monitor and manager {name} added on {host.Name} ({address})");
    }

    /// <summary>Points mon_host in each host's ceph.conf at the monitors the map has now (clients try them in order).</summary>
    public static async Task SetMonHostAsync(Ceph ceph, IEnumerable<(string Name, IHost Host)> hosts, OperationContext ctx)
    {
        var map = await ctx.StepAsync("read monitors", ceph.Host.Name, ct => ceph.MonDumpAsync(ct), readOnly: true);
        // Only addresses parsed as IPs reach the fixed script below, as its one argument.
        var ips = string.Join(",", map.Mons.Select(m => m.Ip).Where(ip => ip is not null && IPAddress.TryParse(ip, out _)));
        if (ips.Length == 0) return;
        await Task.WhenAll(hosts.Select(h => ctx.StepAsync("update mon_host in ceph.conf", h.Name, ct =>
            h.Host.RunCheckedAsync(["bash", "-c", "sed -i \"s/^mon_host = .*/mon_host = $1/\" /etc/ceph/ceph.conf", "mvm-mon-host", ips], T, ct))));
    }
}
