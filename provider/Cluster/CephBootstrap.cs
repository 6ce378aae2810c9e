using System.Globalization;
using System.Text;
using Mvm.Core;
using Mvm.Tools;

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
    public const string Conf = CephConf.DefaultPath;
    public const string AdminKeyring = "/etc/ceph/ceph.client.admin.keyring";
    public const string BootstrapOsdKeyring = "/var/lib/ceph/bootstrap-osd/ceph.keyring";
    private const string TmpMonKeyring = "/var/lib/ceph/tmp/mon.keyring";
    private const string TmpMonmap = "/var/lib/ceph/tmp/monmap";
    private static readonly TimeSpan T = TimeSpan.FromMinutes(3);

    private const string EtcCeph = "/etc/ceph";
    private const string CephOwner = "ceph";
    private static readonly string[] CephDirectories = ["/var/lib/ceph/bootstrap-osd", "/var/lib/ceph/tmp"];

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
    public static async Task RunAsync(CephPlan plan, IReadOnlyList<ClusterNode> nodes, IOperationSteps ctx)
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
            await ceph.ConfigSetAsync("mon", "auth_allow_insecure_global_id_reclaim", "false", ct)
                .ConfigureAwait(false);
            await ceph.ConfigSetAsync("mon", "mon_allow_pool_delete", "false", ct).ConfigureAwait(false);
            await ceph.ConfigSetAllAsync("global", plan.Settings, ct).ConfigureAwait(false);
        });
        await Task.WhenAll(plan.Monitors.Select(m =>
            ctx.StepAsync("start Ceph manager", m.Node.Name, ct => StartManagerAsync(m.Node, ct))));
        await Task.WhenAll(plan.Monitors.Select(m => ctx.StepAsync("remove bootstrap files", m.Node.Name, ct =>
            HostFiles.RemoveFiles([TmpMonKeyring, TmpMonmap]).RunAsync(m.Node.Host, T, ct))));
    }

    private static async Task<bool> InQuorumAsync(Ceph ceph, CephPlan plan, CancellationToken ct)
    {
        try
        {
            if (await ConfiguredFsidAsync(ceph.Host, ct).ConfigureAwait(false) != plan.Fsid) return false;
            var status = await ceph.StatusAsync(ct).ConfigureAwait(false);
            return status.Fsid == plan.Fsid && status.QuorumNames.Count >= plan.Monitors.Count;
        }
        catch (Exception e) when (e is CephUnreachableException or ToolMissingException || HostErrors.CommandFailed(e))
        {
            return false;
        }
    }

    private static async Task FormMonitorsAsync(CephPlan plan, IReadOnlyList<ClusterNode> nodes, Ceph ceph,
        IOperationSteps ctx)
    {
        var first = plan.Monitors[0].Node;
        await ctx.StepAsync("create Ceph keys and monitor map", first.Name,
            ct => CreateKeysAsync(first.Host, plan, ct));
        var bundle = await ctx.StepAsync("collect Ceph configuration", first.Name,
            ct => TarAsync(first.Host, [.. MemberFiles, TmpMonKeyring, TmpMonmap], ct), readOnly: true);
        await Task.WhenAll(nodes.Where(n => n != first).Select(n =>
            ctx.StepAsync("install Ceph configuration", n.Name, ct => UntarAsync(n.Host, bundle, ct))));

        await Task.WhenAll(plan.Monitors.Select(m =>
            ctx.StepAsync("start Ceph monitor", m.Node.Name, ct => StartMonitorAsync(m.Node, ct))));
        await ctx.StepAsync("wait for monitor quorum", null,
            ct => WaitForQuorumAsync(ceph, plan.Monitors.Count, ctx, ct), readOnly: true);
    }

    /// <summary>
    /// Gives every node without this cluster's configuration the member files (ceph.conf, the
    /// admin and bootstrap-osd keyrings) from <paramref name="source"/>: how a joining host learns the cluster.
    /// </summary>
    public static async Task ShareMemberFilesAsync(RemoteHost source, string fsid, IReadOnlyList<ClusterNode> nodes,
        IOperationSteps ctx)
    {
        var missing = new List<ClusterNode>();
        foreach (var n in nodes.Where(n => n.Host != source))
            if (await ConfiguredFsidAsync(n.Host, ctx.CancellationToken).ConfigureAwait(false) != fsid) missing.Add(n);
        if (missing.Count == 0) return;
        var bundle = await ctx.StepAsync("collect Ceph configuration", source.Name,
            ct => TarAsync(source, MemberFiles, ct), readOnly: true);
        await Task.WhenAll(missing.Select(n =>
            ctx.StepAsync("install Ceph configuration", n.Name, ct => UntarAsync(n.Host, bundle, ct))));
    }

    /// <summary>Reads the fsid of the Ceph configuration on a host, or null when it has none.</summary>
    public static async Task<string?> ConfiguredFsidAsync(RemoteHost host, CancellationToken ct)
    {
        var fsid = await CephConf.ReadOption(Conf, "fsid").RunAsync(host, T, ct).ConfigureAwait(false);
        return fsid is { Length: > 0 } ? fsid : null;
    }

    private static async Task CreateKeysAsync(RemoteHost host, CephPlan plan, CancellationToken ct)
    {
        if (await ConfiguredFsidAsync(host, ct).ConfigureAwait(false) == plan.Fsid
            && await HostFiles.IsNonEmpty(AdminKeyring).RunAsync(host, T, ct).ConfigureAwait(false))
            return;
        var batch = new ToolBatch();
        batch.Add(HostFiles.MakeDirectories("0755", [EtcCeph]));
        batch.Add(HostFiles.MakeDirectories("0750", CephDirectories, CephOwner));
        batch.Add(HostFiles.RemoveFiles([TmpMonmap, TmpMonKeyring]));
        batch.Add(HostFiles.Write(Conf, "0644", Encoding.UTF8.GetBytes(ConfText(plan))));
        batch.Add(CephKeyrings.Create(AdminKeyring, "client.admin",
            [("mon", "allow *"), ("osd", "allow *"), ("mds", "allow *"), ("mgr", "allow *")]));
        batch.Add(CephKeyrings.Create(BootstrapOsdKeyring, "client.bootstrap-osd",
            [("mon", "profile bootstrap-osd"), ("mgr", "allow r")]));
        batch.Add(CephKeyrings.Create(TmpMonKeyring, "mon.", [("mon", "allow *")]));
        batch.Add(CephKeyrings.Import(TmpMonKeyring, AdminKeyring));
        batch.Add(CephKeyrings.Import(TmpMonKeyring, BootstrapOsdKeyring));
        batch.Add(CephMonStore.CreateMonmap(TmpMonmap, plan.Fsid,
            plan.Monitors.Select(m => (m.Node.Name, m.Address)).ToList()));
        batch.Add(HostFiles.ChangeMode("0600", AdminKeyring));
        batch.Add(HostFiles.ChangeOwner(CephOwner, CephOwner, [TmpMonKeyring, TmpMonmap, BootstrapOsdKeyring]));
        await batch.RunCheckedAsync(host, T, ct).ConfigureAwait(false);
    }

    /// <summary>The named files as a tar stream (binary, kept in memory only to hand them to other hosts).</summary>
    public static async Task<byte[]> TarAsync(RemoteHost host, IReadOnlyList<string> paths, CancellationToken ct)
    {
        return await HostFiles.Archive(paths).RunAsync(host, T, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Unpacks a bundle from <see cref="TarAsync"/>; ownership is set here because the ceph user's uid differs between
    /// hosts.
    /// </summary>
    public static async Task UntarAsync(RemoteHost host, byte[] bundle, CancellationToken ct)
    {
        var batch = new ToolBatch();
        batch.Add(HostFiles.MakeDirectories("0755", [EtcCeph]));
        batch.Add(HostFiles.MakeDirectories("0750", CephDirectories, CephOwner));
        batch.Add(HostFiles.Extract(bundle));
        batch.Add(HostFiles.ChangeOwnerToCephWhereExists([BootstrapOsdKeyring, TmpMonKeyring, TmpMonmap]));
        batch.Add(HostFiles.ChangeMode("0600", AdminKeyring));
        await batch.RunCheckedAsync(host, T, ct).ConfigureAwait(false);
    }

    private static async Task StartMonitorAsync(ClusterNode node, CancellationToken ct)
    {
        var id = node.Name;
        var dir = $"/var/lib/ceph/mon/ceph-{id}";
        var made = await HostFiles.Exists(dir + "/done").RunAsync(node.Host, T, ct).ConfigureAwait(false);
        var batch = new ToolBatch();
        if (!made)
        {
            batch.Add(HostFiles.RemoveTree(dir));
            batch.Add(HostFiles.MakeDirectories("0750", [dir], CephOwner));
            batch.Add(CephMonStore.Mkfs(id, TmpMonmap, TmpMonKeyring));
            batch.Add(HostFiles.Touch(dir + "/done"));
        }
        batch.Add(Systemd.Enable(["ceph.target", "ceph-mon.target"]));
        batch.Add(Systemd.Enable([$"ceph-mon@{id}"], now: true));
        await batch.RunCheckedAsync(node.Host, T, ct).ConfigureAwait(false);
    }

    private static Task StartManagerAsync(ClusterNode node, CancellationToken ct) =>
        StartManagerAsync(node.Host, node.Name, ct);

    public static async Task StartManagerAsync(RemoteHost host, string id, CancellationToken ct)
    {
        var dir = $"/var/lib/ceph/mgr/ceph-{id}";
        var batch = new ToolBatch();
        batch.Add(HostFiles.MakeDirectories("0750", [dir], CephOwner));
        // The host's default Ceph client (30 s connect timeout): the manager's key is made by its own host.
        batch.Add(new Ceph(host)
            .AuthGetOrCreateToFileCall($"mgr.{id}",
            [("mon", "allow profile mgr"), ("osd", "allow *"), ("mds", "allow *")],
            dir + "/keyring"));
        batch.Add(HostFiles.ChangeOwner(CephOwner, CephOwner, [dir + "/keyring"]));
        batch.Add(Systemd.Enable(["ceph-mgr.target"]));
        batch.Add(Systemd.Enable([$"ceph-mgr@{id}"], now: true));
        await batch.RunCheckedAsync(host, T, ct).ConfigureAwait(false);
    }

    private static async Task WaitForQuorumAsync(Ceph ceph, int monitors, IOperationSteps ctx, CancellationToken ct)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        string last = "no answer yet";
        while (true)
        {
            try
            {
                var status = await ceph.StatusAsync(ct).ConfigureAwait(false);
                if (status.QuorumNames.Count >= monitors) return;
                last = $"{status.QuorumNames.Count} of {monitors} monitors in quorum " +
                    $"({string.Join(", ", status.QuorumNames)})";
                await ctx.StatusAsync("Ceph: " + last).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CephUnreachableException || HostErrors.CommandFailed(e))
            {
                last = e.Message.Split('\n')[0];
            }
            if (DateTime.UtcNow > until)
                throw new ProviderException($"the Ceph monitors did not form a quorum within 5 minutes: {last}. " +
                    "Check that the monitor hosts reach each other on ports 3300 and 6789 of the public network " +
                        "(`journalctl -u ceph-mon@NAME` on a monitor host).");
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
    }
}
