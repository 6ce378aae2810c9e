using System.Globalization;
using System.Text;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Cluster;

/// <summary>What the Ceph bootstrap needs to know, decided before the first change.</summary>
public sealed record CephPlan(
    string Fsid,
    string PublicNetwork,
    string ClusterNetwork,
    IReadOnlyList<(ClusterNode Node, string Address)> Monitors,
    int PoolSize,
    int PoolMinSize,
    IReadOnlyDictionary<string, string> Settings);

/// <summary>
/// Forms a new Ceph cluster the manual-deployment way: keys and monitor map made on the first
/// monitor host (they never leave the hosts except in transit to the others), monitors and
/// managers on up to three hosts, all under systemd. Every step checks the host first, so a
/// create interrupted half-way continues on the next `up`.
/// </summary>
public static class CephBootstrap
{
    public const string Conf = "/etc/ceph/ceph.conf";
    public const string AdminKeyring = "/etc/ceph/ceph.client.admin.keyring";
    public const string BootstrapOsdKeyring = "/var/lib/ceph/bootstrap-osd/ceph.keyring";
    private const string TmpMonKeyring = "/var/lib/ceph/tmp/mon.keyring";
    private const string TmpMonmap = "/var/lib/ceph/tmp/monmap";
    private static readonly TimeSpan T = TimeSpan.FromMinutes(3);

    /// <summary>Files every member needs to use the cluster and create OSDs.</summary>
    public static readonly string[] MemberFiles = [Conf, AdminKeyring, BootstrapOsdKeyring];

    public static string ConfText(CephPlan plan) => string.Join('\n', [
        "# written by pulumi-resource-mvm; options beyond these live in the monitors' configuration database",
        "[global]",
        $"fsid = {plan.Fsid}",
        $"mon_initial_members = {string.Join(", ", plan.Monitors.Select(m => m.Node.Name))}",
        $"mon_host = {string.Join(",", plan.Monitors.Select(m => m.Address))}",
        $"public_network = {plan.PublicNetwork}",
        $"cluster_network = {plan.ClusterNetwork}",
        "auth_cluster_required = cephx",
        "auth_service_required = cephx",
        "auth_client_required = cephx",
        $"osd_pool_default_size = {plan.PoolSize.ToString(CultureInfo.InvariantCulture)}",
        $"osd_pool_default_min_size = {plan.PoolMinSize.ToString(CultureInfo.InvariantCulture)}",
        "",
    ]);

    /// <summary>Runs the whole bootstrap up to monitors in quorum, managers running and settings applied.</summary>
    public static async Task RunAsync(CephPlan plan, IReadOnlyList<ClusterNode> nodes, OperationContext ctx)
    {
        var first = plan.Monitors[0].Node;
        var ceph = new Ceph(first.Host, ClusterConnection.CephContext);
        if (!await InQuorumAsync(ceph, plan, ctx.CancellationToken).ConfigureAwait(false))
            await FormMonitorsAsync(plan, nodes, ceph, ctx).ConfigureAwait(false);
        else
            await ctx.InfoAsync($"Ceph {plan.Fsid}: monitors already in quorum");

        await ctx.StepAsync("apply Ceph settings", first.Name, async ct =>
        {
            // A healthy Pacific cluster warns until clients can no longer reclaim global ids insecurely.
            await ceph.ConfigSetAsync("mon", "auth_allow_insecure_global_id_reclaim", "false", ct).ConfigureAwait(false);
            await ceph.ConfigSetAsync("mon", "mon_allow_pool_delete", "false", ct).ConfigureAwait(false);
            await ceph.ConfigSetAllAsync("global", plan.Settings, ct).ConfigureAwait(false);
        });
        await Task.WhenAll(plan.Monitors.Select(m => ctx.StepAsync("start Ceph manager", m.Node.Name, ct => StartManagerAsync(m.Node, ct))));
        await Task.WhenAll(plan.Monitors.Select(m => ctx.StepAsync("remove bootstrap files", m.Node.Name, ct =>
            m.Node.Host.RunCheckedAsync(["rm", "-f", TmpMonKeyring, TmpMonmap], T, ct))));
    }

    private static async Task<bool> InQuorumAsync(Ceph ceph, CephPlan plan, CancellationToken ct)
    {
        try
        {
            if (await ConfiguredFsidAsync(ceph.Host, ct).ConfigureAwait(false) != plan.Fsid) return false;
            var status = await ceph.StatusAsync(ct).ConfigureAwait(false);
            return status.Fsid == plan.Fsid && status.QuorumNames.Count >= plan.Monitors.Count;
        }
        catch (Exception e) when (e is CephUnreachableException or RemoteCommandFailedException or ToolMissingException)
        {
            return false;
        }
    }

    private static async Task FormMonitorsAsync(CephPlan plan, IReadOnlyList<ClusterNode> nodes, Ceph ceph, OperationContext ctx)
    {
        var first = plan.Monitors[0].Node;
        await ctx.StepAsync("create Ceph keys and monitor map", first.Name, ct => CreateKeysAsync(first.Host, plan, ct));
        var bundle = await ctx.StepAsync("collect Ceph configuration", first.Name,
            ct => TarAsync(first.Host, [.. MemberFiles, TmpMonKeyring, TmpMonmap], ct), readOnly: true);
        await Task.WhenAll(nodes.Where(n => n != first).Select(n =>
            ctx.StepAsync("install Ceph configuration", n.Name, ct => UntarAsync(n.Host, bundle, ct))));

        await Task.WhenAll(plan.Monitors.Select(m => ctx.StepAsync("start Ceph monitor", m.Node.Name, ct => StartMonitorAsync(m.Node, ct))));
        await ctx.StepAsync("wait for monitor quorum", null, ct => WaitForQuorumAsync(ceph, plan.Monitors.Count, ctx, ct), readOnly: true);
    }

    /// <summary>
    /// Gives every node without this cluster's configuration the member files (ceph.conf, the
    /// admin and bootstrap-osd keyrings) from <paramref name="source"/>: how a joining host learns the cluster.
    /// </summary>
    public static async Task ShareMemberFilesAsync(IHost source, string fsid, IReadOnlyList<ClusterNode> nodes, OperationContext ctx)
    {
        var missing = new List<ClusterNode>();
        foreach (var n in nodes.Where(n => n.Host != source))
            if (await ConfiguredFsidAsync(n.Host, ctx.CancellationToken).ConfigureAwait(false) != fsid) missing.Add(n);
        if (missing.Count == 0) return;
        var bundle = await ctx.StepAsync("collect Ceph configuration", source.Name, ct => TarAsync(source, MemberFiles, ct), readOnly: true);
        await Task.WhenAll(missing.Select(n => ctx.StepAsync("install Ceph configuration", n.Name, ct => UntarAsync(n.Host, bundle, ct))));
    }

    /// <summary>Reads the fsid of the Ceph configuration on a host, or null when it has none.</summary>
    public static async Task<string?> ConfiguredFsidAsync(IHost host, CancellationToken ct)
    {
        var r = await host.RunAsync(["sed", "-n", "s/^fsid *= *//p", Conf], null, T, ct).ConfigureAwait(false);
        return r.ExitCode == 0 && r.StdoutText.Trim() is { Length: > 0 } f ? f : null;
    }

    private static async Task CreateKeysAsync(IHost host, CephPlan plan, CancellationToken ct)
    {
        if (await ConfiguredFsidAsync(host, ct).ConfigureAwait(false) == plan.Fsid
            && (await host.RunAsync(["test", "-s", AdminKeyring], null, T, ct).ConfigureAwait(false)).ExitCode == 0)
            return;
        var monmapArgs = new List<string> { "monmaptool", "--create", "--fsid", plan.Fsid };
        foreach (var (node, address) in plan.Monitors) monmapArgs.AddRange(["--addv", node.Name, $"[v2:{address}:3300,v1:{address}:6789]"]);
        monmapArgs.Add(TmpMonmap);
        var script = new RemoteScript()
            .Add(["install", "-d", "-m", "0755", "/etc/ceph"])
            .Add(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", "/var/lib/ceph/bootstrap-osd", "/var/lib/ceph/tmp"])
            .Add(["rm", "-f", TmpMonmap, TmpMonKeyring])
            .Add(["install", "-m", "0644", "/dev/stdin", Conf], Encoding.UTF8.GetBytes(ConfText(plan)))
            .Add(["ceph-authtool", "--create-keyring", AdminKeyring, "--gen-key", "-n", "client.admin",
                  "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mds", "allow *", "--cap", "mgr", "allow *"])
            .Add(["ceph-authtool", "--create-keyring", BootstrapOsdKeyring, "--gen-key", "-n", "client.bootstrap-osd",
                  "--cap", "mon", "profile bootstrap-osd", "--cap", "mgr", "allow r"])
            .Add(["ceph-authtool", "--create-keyring", TmpMonKeyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"])
            .Add(["ceph-authtool", TmpMonKeyring, "--import-keyring", AdminKeyring])
            .Add(["ceph-authtool", TmpMonKeyring, "--import-keyring", BootstrapOsdKeyring])
            .Add(monmapArgs)
            .Add(["chmod", "0600", AdminKeyring])
            .Add(["chown", "ceph:ceph", TmpMonKeyring, TmpMonmap, BootstrapOsdKeyring]);
        (await script.RunAsync(host, T, ct).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>The named files as a tar stream (binary, kept in memory only to hand them to other hosts).</summary>
    public static async Task<byte[]> TarAsync(IHost host, IReadOnlyList<string> paths, CancellationToken ct)
    {
        var r = await host.RunCheckedAsync(["tar", "-C", "/", "-cf", "-", .. paths.Select(p => p.TrimStart('/'))], T, ct).ConfigureAwait(false);
        return r.Stdout;
    }

    /// <summary>Unpacks a bundle from <see cref="TarAsync"/>; ownership is set here because the ceph user's uid differs between hosts.</summary>
    public static async Task UntarAsync(IHost host, byte[] bundle, CancellationToken ct)
    {
        var script = new RemoteScript()
            .Add(["install", "-d", "-m", "0755", "/etc/ceph"])
            .Add(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", "/var/lib/ceph/bootstrap-osd", "/var/lib/ceph/tmp"])
            .Add(["tar", "-C", "/", "--no-same-owner", "-xf", "-"], bundle)
            .Add(["bash", "-c", "for f in \"$@\"; do [ -e \"$f\" ] && chown ceph:ceph \"$f\"; done; exit 0", "mvm-chown",
                  BootstrapOsdKeyring, TmpMonKeyring, TmpMonmap])
            .Add(["chmod", "0600", AdminKeyring]);
        (await script.RunAsync(host, T, ct).ConfigureAwait(false)).EnsureSuccess();
    }

    private static async Task StartMonitorAsync(ClusterNode node, CancellationToken ct)
    {
        var id = node.Name;
        var dir = $"/var/lib/ceph/mon/ceph-{id}";
        var made = await node.Host.RunAsync(["test", "-e", dir + "/done"], null, T, ct).ConfigureAwait(false);
        var script = new RemoteScript();
        if (made.ExitCode != 0)
            script
                .Add(["rm", "-rf", dir])
                .Add(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", dir])
                .Add(["runuser", "-u", "ceph", "--", "ceph-mon", "--mkfs", "-i", id, "--monmap", TmpMonmap, "--keyring", TmpMonKeyring])
                .Add(["touch", dir + "/done"]);
        script
            .Add(["systemctl", "enable", "ceph.target", "ceph-mon.target"])
            .Add(["systemctl", "enable", "--now", $"ceph-mon@{id}"]);
        (await script.RunAsync(node.Host, T, ct).ConfigureAwait(false)).EnsureSuccess();
    }

    private static Task StartManagerAsync(ClusterNode node, CancellationToken ct) => StartManagerAsync(node.Host, node.Name, ct);

    public static async Task StartManagerAsync(IHost host, string id, CancellationToken ct)
    {
        var dir = $"/var/lib/ceph/mgr/ceph-{id}";
        var script = new RemoteScript()
            .Add(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", dir])
            .Add(["ceph", "--connect-timeout", "30", "auth", "get-or-create", $"mgr.{id}", "mon", "allow profile mgr", "osd", "allow *", "mds", "allow *",
                  "-o", dir + "/keyring"])
            .Add(["chown", "ceph:ceph", dir + "/keyring"])
            .Add(["systemctl", "enable", "ceph-mgr.target"])
            .Add(["systemctl", "enable", "--now", $"ceph-mgr@{id}"]);
        (await script.RunAsync(host, T, ct).ConfigureAwait(false)).EnsureSuccess();
    }

    private static async Task WaitForQuorumAsync(Ceph ceph, int monitors, OperationContext ctx, CancellationToken ct)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        string last = "no answer yet";
        while (true)
        {
            try
            {
                var status = await ceph.StatusAsync(ct).ConfigureAwait(false);
                if (status.QuorumNames.Count >= monitors) return;
                last = $"{status.QuorumNames.Count} of {monitors} monitors in quorum ({string.Join(", ", status.QuorumNames)})";
                await ctx.StatusAsync("Ceph: " + last).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CephUnreachableException or RemoteCommandFailedException)
            {
                last = e.Message.Split('\n')[0];
            }
            if (DateTime.UtcNow > until)
                throw new ProviderException($"the Ceph monitors did not form a quorum within 5 minutes: {last}. " +
                    "Check that the monitor hosts reach each other on ports 3300 and 6789 of the public network (`journalctl -u ceph-mon@NAME` on a monitor host).");
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
    }
}
