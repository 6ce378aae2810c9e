using System.Diagnostics;
using System.Globalization;
using System.Net;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// Keeping the monitor count when a monitor host leaves: a replacement monitor (and manager) on a
/// remaining host, in quorum before the old one goes; and every member's ceph.conf pointed at the
/// monitors that exist. Each step reads first, so an interrupted replacement continues on the next `up`.
/// </summary>
public static class CephMonitors
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan JoinLimit = TimeSpan.FromMinutes(5);
    private const string TmpKeyring = "/var/lib/ceph/tmp/mon.keyring";
    private const string TmpMonmap = "/var/lib/ceph/tmp/monmap";

    /// <summary>
    /// Adds monitor <paramref name="name"/> at <paramref name="address"/> on <paramref name="host"/>:
    /// into the map, its store made from the current map and the mon. key, started under systemd,
    /// then waited for until it is in the quorum; then its manager.
    /// </summary>
    public static async Task AddAsync(Ceph ceph, RemoteHost host, string name, IPAddress address, IOperationSteps ctx)
    {
        var clock = Stopwatch.StartNew();
        await ctx.StepAsync($"add monitor {name}", host.Name, async ct =>
        {
            // In the map before the daemon starts: a store made from a map that names it lets it join at once.
            if ((await ceph.MonDumpAsync(ct).ConfigureAwait(false)).Find(name) is null)
                await ceph.MonAddAsync(name, address, ct).ConfigureAwait(false);
            var dir = OsdRemoval.MonDirectory(name);
            var made = await HostFiles.Exists(dir + "/done").RunAsync(host, T, ct).ConfigureAwait(false);
            var batch = new ToolBatch();
            if (!made)
            {
                batch.Add(HostFiles.RemoveTrees([dir]));
                batch.Add(HostFiles.MakeDirectories("0750", [dir, "/var/lib/ceph/tmp"], "ceph"));
                // The keyring and map come from the running cluster through this host's own ceph CLI.
                var local = new Ceph(host, ceph.Context);
                batch.Add(local.AuthGetToFileCall("mon.", TmpKeyring));
                batch.Add(local.MonGetMapToFileCall(TmpMonmap));
                batch.Add(HostFiles.ChangeOwner("ceph", "ceph", [TmpKeyring, TmpMonmap]));
                batch.Add(CephMonStore.Mkfs(name, TmpMonmap, TmpKeyring));
                batch.Add(HostFiles.Touch(dir + "/done"));
                batch.Add(HostFiles.RemoveFiles([TmpKeyring, TmpMonmap]));
            }
            batch.Add(Systemd.Enable(["ceph.target", "ceph-mon.target"]));
            batch.Add(Systemd.Enable([$"ceph-mon@{name}"], now: true));
            await batch.RunCheckedAsync(host, T, ct).ConfigureAwait(false);
        });
        var started = clock.Elapsed;
        await ctx.StepAsync($"wait for monitor {name} to join the quorum", host.Name,
            ct => WaitInQuorumAsync(ceph, host, name, ctx, ct), readOnly: true);
        var joined = clock.Elapsed;
        await ctx.StepAsync("start Ceph manager", host.Name, ct => CephBootstrap.StartManagerAsync(host, name, ct));
        await ctx.InfoAsync(string.Create(CultureInfo.InvariantCulture,
            $"monitor and manager {name} added on {host.Name} ({address}) in {clock.Elapsed.TotalSeconds:0.0} s: " +
                $"started after {started.TotalSeconds:0.0} s, in quorum after {joined.TotalSeconds:0.0} s"));
    }

    private static async Task WaitInQuorumAsync(Ceph ceph, RemoteHost host, string name, IOperationSteps ctx,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (true)
        {
            try
            {
                var map = await ceph.MonDumpAsync(ct).ConfigureAwait(false);
                if (map.InQuorum(name)) return;
                last = "in quorum: " +
                    $"{string.Join(", ", map.Mons.Where(m => map.Quorum.Contains(m.Rank)).Select(m => m.Name))} " +
                    $"(map epoch {map.Epoch})";
                await ctx.StatusAsync($"monitor {name}: waiting to join the quorum; {last}").ConfigureAwait(false);
            }
            catch (Exception e) when (e is CephUnreachableException || HostErrors.CommandFailed(e))
            {
                last = e.Message.Split('\n')[0];
            }
            if (clock.Elapsed >= JoinLimit)
            {
                var journal = await Systemd.JournalTail($"ceph-mon@{name}", 15).RunAsync(host, T, ct)
                    .ConfigureAwait(false);
                throw new ProviderException($"monitor {name} on {host.Name} did not join the quorum within " +
                    $"{Durations.Format(JoinLimit)}; last seen: {last}. " +
                    $"Its journal ends:\n{journal.TrimEnd()}\nThe old monitor was not touched; fix {name} (or `ceph " +
                        $"mon remove {name}`) and run again.");
            }
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
    }

    /// <summary>`mon_host` as the map has it now: monitor IPs in rank order (clients try them in turn).</summary>
    public static string MonHostValue(MonMap map) =>
        string.Join(",", map.Mons.OrderBy(m => m.Rank).Select(m => m.Ip)
            .Where(ip => ip is not null && IPAddress.TryParse(ip, out _)));

    /// <summary>
    /// Points mon_host in each member's ceph.conf at the monitors the map has now, where it differs;
    /// with <paramref name="libvirtPool"/>, that member's libvirt RBD storage pool of that name first.
    /// mon_host is written last, so it marks the member done: a member whose mon_host is current costs
    /// one read, and one interrupted between the two is finished by the next run. The file is read,
    /// changed in code (<see cref="CephConf"/>) and written back beside itself, then renamed over
    /// the old one, so a reader sees the old file or the new one, never half of it.
    /// </summary>
    public static async Task SyncMonHostAsync(Ceph ceph, IEnumerable<(string Name, RemoteHost Host)> members,
        IOperationSteps ctx, string? libvirtPool = null)
    {
        var map = await ctx.StepAsync("read monitors", ceph.Host.Name, ct => ceph.MonDumpAsync(ct), readOnly: true);
        var value = MonHostValue(map);
        if (value.Length == 0) return;
        await Task.WhenAll(members.Select(m => ctx.StepAsync("update mon_host in ceph.conf", m.Name, async ct =>
        {
            var conf = CephConf.Parse(await HostFiles.ReadText(CephBootstrap.Conf).RunAsync(m.Host, T, ct)
                .ConfigureAwait(false));
            if (conf.Get("global", "mon_host") == value) return;
            if (libvirtPool is not null) await SyncPoolAsync(new Virsh(m.Host), libvirtPool, value.Split(','), ct)
                .ConfigureAwait(false);
            conf.Set("global", "mon_host", value);
            var write = new ToolBatch();
            write.Add(HostFiles.Write(CephBootstrap.Conf + ".mvm-new", "0644", conf.ToBytes()));
            write.Add(HostFiles.Move(CephBootstrap.Conf + ".mvm-new", CephBootstrap.Conf));
            await write.RunCheckedAsync(m.Host, T, ct).ConfigureAwait(false);
        })));
    }

    /// <summary>
    /// The pool's monitor list (what `virsh vol-*` and pool refresh connect to) set to
    /// <paramref name="addresses"/> when it names others: defined anew with the same UUID, source
    /// and auth, and restarted when active (VM disks are network disks of their own, untouched).
    /// </summary>
    public static async Task SyncPoolAsync(Virsh virsh, string pool, IReadOnlyList<string> addresses,
        CancellationToken ct)
    {
        if (!(await virsh.PoolListAsync(ct).ConfigureAwait(false)).Contains(pool)) return;
        var defined = await virsh.PoolDumpXmlAsync(pool, inactive: true, ct).ConfigureAwait(false);
        var wanted = PoolWithMonitors(defined, addresses);
        if (wanted is null) return;
        await virsh.PoolDefineAsync(wanted, ct: ct).ConfigureAwait(false);
        if (await virsh.PoolDestroyAsync(pool, ct).ConfigureAwait(false))
            await virsh.PoolStartAsync(pool, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The RBD pool's definition with <paramref name="addresses"/> as its monitors, or null when it already has exactly
    /// those.
    /// </summary>
    public static PoolXml? PoolWithMonitors(PoolXml defined, IReadOnlyList<string> addresses)
    {
        if (defined.Hosts.Select(h => h.Host).Order(StringComparer.Ordinal)
            .SequenceEqual(addresses.Order(StringComparer.Ordinal), StringComparer.Ordinal)) return null;
        var port = defined.Hosts.FirstOrDefault()?.Port ?? 6789;
        return PoolXml.FromSpec(new RbdPoolSpec(defined.Name, defined.SourceName ?? defined.Name,
            addresses.Select(a => new Mvm.Tools.CephMonitor(a, port)).ToList(), defined.Auth)
        { Uuid = defined.Uuid });
    }
}
