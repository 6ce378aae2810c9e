using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// The order of work that forms a cluster or joins hosts to it: inspect every host (nothing
/// changes until all pass), install, Ceph (monitors, managers, OSDs), the VM storage and
/// networks on every host, then HEALTH_OK. Each step checks the host first, so running it again
/// after an interruption continues where it stopped.
/// </summary>
public sealed class ClusterProvisioner(ClusterSettings settings, IOperationSteps ctx, RemoteHosts connector,
    TimeSpan healthLimit)
{
    public const int MaxMonitors = 3;

    public bool Hci => settings.IsHci;

    public RemoteHost Connect(MemberHost h) => h.Connect(connector);

    /// <summary>
    /// Connects to and inspects the hosts concurrently; refuses, naming every problem of every host, before any change.
    /// </summary>
    public async Task<IReadOnlyList<ClusterNode>> InspectAsync(IReadOnlyList<MemberHost> hosts, string? existingFsid)
    {
        var req = new PreflightRequirements(settings.MinimumMemoryGiB, settings.MemoryPerOsdGiB, settings.DomainType,
            Hci, existingFsid);
        // Every host is inspected even when one fails, so one run lists every problem.
        var results = await Task.WhenAll(hosts.Select(async h =>
        {
            try
            {
                return (Node: await ctx.StepAsync("inspect host", h.Name, async ct =>
                {
                    var host = Connect(h);
                    return new ClusterNode(h, host,
                        await HostPreflight.InspectAsync(host, h, req, ct).ConfigureAwait(false));
                }, readOnly: true).ConfigureAwait(false), Error: (string?)null);
            }
            catch (StepFailedException e)
            {
                return (Node: (ClusterNode?)null,
                    Error: $"Host {h.Name} ({h.Address}) could not be inspected: {e.Message}");
            }
        })).ConfigureAwait(false);
        var nodes = results.Where(r => r.Node is not null).Select(r => r.Node!).ToList();
        var reports = nodes.Select(n => n.Report).ToList();
        foreach (var w in reports.SelectMany(r => r.Warnings)) await ctx.WarningAsync(w).ConfigureAwait(false);
        var unreachable = results.Where(r => r.Error is not null).Select(r => r.Error!).ToList();
        if (unreachable.Count > 0 || !HostPreflight.AllFit(reports))
            throw new PreconditionFailedException("host check failed; nothing was changed on any host:\n" +
                string.Join("\n", unreachable.Append(HostPreflight.AllFit(reports) ? "" :
                    HostPreflight.Describe(reports)).Where(l => l.Length > 0)));
        return nodes;
    }

    /// <summary>
    /// Where Ceph listens and which hosts carry monitors; refuses before any change when a host has no address on the
    /// public network.
    /// </summary>
    public CephPlan PlanCeph(IReadOnlyList<ClusterNode> nodes, string fsid)
    {
        var publicNetwork = settings.CephPublicNetwork ?? nodes[0].ManagementNetwork()
            ?? throw new PreconditionFailedException($"cannot tell the network of {nodes[0].Name}'s management " +
                $"address {nodes[0].Spec.Address}; set cephPublicNetwork");
        var net = System.Net.IPNetwork.Parse(publicNetwork);
        var monitors = new List<(ClusterNode, string)>();
        var missing = new List<string>();
        foreach (var n in nodes)
        {
            var address = n.AddressIn(net);
            if (address is null) missing.Add($"{n.Name} has no address in the Ceph public network {publicNetwork}");
            else if (monitors.Count < MaxMonitors) monitors.Add((n, address));
        }
        if (missing.Count > 0)
            throw new PreconditionFailedException("Ceph needs every host on its public network; nothing was changed " +
                "on any host: " + string.Join("; ", missing) +
                ". Set cephPublicNetwork to a network all hosts have an address in.");
        var size = settings.PoolSize;
        return new CephPlan(fsid, publicNetwork, settings.CephClusterNetwork ?? publicNetwork, monitors, size,
            settings.PoolMinSize ?? (int)ClusterSettings.CephMinSize(size), settings.CephConfig);
    }

    /// <summary>
    /// Installs the packages on the nodes concurrently and checks the CPU model against what their libvirt offers.
    /// </summary>
    public async Task InstallAsync(IReadOnlyList<ClusterNode> nodes)
    {
        await Task.WhenAll(nodes.Select(n => HostSetup.RunAsync(n, Hci, ctx))).ConfigureAwait(false);
        var model = settings.CpuModel;
        if (model is "host-model" or "host-passthrough") return;
        var lacking = new List<string>();
        foreach (var n in nodes)
        {
            var models = await ctx.StepAsync("list CPU models", n.Name,
                ct => new Virsh(n.Host).CpuModelsAsync("x86_64", ct), readOnly: true).ConfigureAwait(false);
            if (!models.Contains(model, StringComparer.Ordinal)) lacking.Add(n.Name);
        }
        if (lacking.Count > 0)
            throw new ProviderException($"cpuModel {model} is not in the libvirt CPU model list (`virsh cpu-models " +
                $"x86_64`) of {string.Join(", ", lacking)}; " +
                "use host-model, or a model every host lists");
    }

    /// <summary>
    /// Brings <paramref name="joining"/> into the cluster: Ceph configuration from an existing
    /// member, their OSDs, the member registry, VM storage and networks. At creation every node joins.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>>> JoinAsync(ClusterInfo info,
        RemoteHost source,
        IReadOnlyList<ClusterNode> joining, IReadOnlyList<int> vlanIds, string joinedBy, bool copyNetworks)
    {
        var osds = new Dictionary<string, IReadOnlyDictionary<string, int>>();
        if (Hci)
        {
            await CephBootstrap.ShareMemberFilesAsync(source, info.Fsid, joining, ctx).ConfigureAwait(false);
            var created = await Task.WhenAll(joining.Select(async n =>
                (n.Name, await OsdProvisioning.EnsureAsync(n, info.Fsid, n.Spec.Devices(), ctx).ConfigureAwait(false))))
                .ConfigureAwait(false);
            foreach (var (name, map) in created) osds[name] = map;

            var ceph = new Ceph(source, ClusterConnection.CephContext);
            var conn = new ClusterConnection(info, connector);
            foreach (var n in joining)
                await ctx.StepAsync("register host", n.Name,
                    ct => conn.RegisterAsync(new ClusterMember { Host = n.Spec, Hostname = n.Hostname,
                    JoinedBy = joinedBy }, ct))
                    .ConfigureAwait(false);
            var key = await VmStorage.EnsurePoolAndClientAsync(ceph, info, settings.PoolSize, ctx)
                .ConfigureAwait(false);
            var mons = await ctx.StepAsync("read monitors", source.Name, ct => ceph.MonDumpAsync(ct), readOnly: true)
                .ConfigureAwait(false);
            var monIps = mons.Mons.Select(m => m.Ip).Where(ip => ip is not null).Select(ip => ip!).ToList();
            await Task.WhenAll(joining.Select(n => VmStorage.EnsureOnHostAsync(n, info, key, monIps, ctx)))
                .ConfigureAwait(false);
        }
        await Task.WhenAll(joining.Select(async n =>
        {
            await OvsNetworking.EnsureBridgeAsync(n, info, ctx).ConfigureAwait(false);
            await OvsNetworking.EnsureVlanNetworksAsync(n, info, vlanIds, ctx).ConfigureAwait(false);
            // A joining host also gets the VLANs added later as OvsVlan resources, as the members have them.
            if (copyNetworks && !joining.Any(j => j.Host == source))
                await OvsNetworking.CopyVlanNetworksAsync(source, n, ctx).ConfigureAwait(false);
        })).ConfigureAwait(false);
        await EnsureMigrationTrustAsync(info, joining).ConfigureAwait(false);
        return osds;
    }

    /// <summary>Every member, old and joining, can live-migrate to every other.</summary>
    private async Task EnsureMigrationTrustAsync(ClusterInfo info, IReadOnlyList<ClusterNode> joining)
    {
        var all = joining.Select(n => (n.Spec, n.Host)).ToList();
        var members = await new ClusterConnection(info, connector).MembersAsync(ctx.CancellationToken)
            .ConfigureAwait(false);
        foreach (var m in members.Where(m =>
            !all.Any(a => string.Equals(a.Spec.Name, m.Name, StringComparison.OrdinalIgnoreCase))))
            all.Add((m.Host, Connect(m.Host)));
        await MigrationTrust.EnsureAsync(info, all, ctx).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for HEALTH_OK (HCI only), bounded by the provider's cephHealthTimeout; MON_DOWN for a departed monitor
    /// ends it at once.
    /// </summary>
    public Task WaitHealthyAsync(RemoteHost source, IReadOnlyCollection<string>? departedMonitors = null) =>
        Hci ? HealthWait.WaitAsync(new Ceph(source, ClusterConnection.CephContext),
            new HealthWaitOptions { Limit = healthLimit,
                DepartedMonitors = departedMonitors ?? [] }, ctx) : Task.CompletedTask;

    /// <summary>
    /// A fresh UUID made by the host's kernel (the fsid and libvirt secret id are born on the hosts).
    /// </summary>
    public async Task<string> NewUuidAsync(ClusterNode node) =>
        (await ctx.StepAsync("generate id", node.Name,
            ct => HostFiles.ReadText("/proc/sys/kernel/random/uuid")
                .RunAsync(node.Host, TimeSpan.FromSeconds(30), ct), readOnly: true)
            .ConfigureAwait(false)).Trim();
}
