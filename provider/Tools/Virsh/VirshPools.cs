namespace Mvm.Tools;

// Storage pools: the cluster's RBD pool, so libvirt can list and size the images VMs use.
public sealed partial class Virsh
{
    public Task PoolDefineAsync(PoolXml pool, bool validate = true, CancellationToken ct = default) =>
        PoolDefineAsync(pool.ToXml(), validate, ct);

    /// <summary>
    /// `virsh pool-define` (XML on stdin). An RBD pool needs libvirt's RBD backend: without it
    /// this throws <see cref="ToolMissingException"/> naming libvirt-daemon-driver-storage-rbd.
    /// </summary>
    public async Task PoolDefineAsync(string poolXml, bool validate = true, CancellationToken ct = default)
    {
        string[] args = validate ? ["pool-define", "--file", Stdin, "--validate"] : ["pool-define", "--file", Stdin];
        await RunAsync(args, null, ct, Utf8(poolXml)).ConfigureAwait(false);
    }

    /// <summary>
    /// `virsh pool-start` (for RBD: connects to Ceph with the pool's secret). Returns false when it was already active.
    /// </summary>
    public Task<bool> PoolStartAsync(string pool, CancellationToken ct = default) =>
        RunUnlessAsync(["pool-start", "--pool", pool], VirshObject.Pool(pool),
            $"storage pool '{pool}' is already active", ct);

    public async Task PoolAutostartAsync(string pool, bool enable = true, CancellationToken ct = default)
    {
        string[] args = enable ? ["pool-autostart", "--pool", pool] : ["pool-autostart", "--pool", pool, "--disable"];
        await RunAsync(args, VirshObject.Pool(pool), ct).ConfigureAwait(false);
    }

    /// <summary>`virsh pool-list --all --name`.</summary>
    public async Task<IReadOnlyList<string>> PoolListAsync(CancellationToken ct = default)
    {
        var result = await RunAsync(["pool-list", "--all", "--name"], null, ct).ConfigureAwait(false);
        return VirshOutput.ParseNames(result.StdoutText);
    }

    /// <summary>`virsh pool-info --bytes`.</summary>
    public async Task<PoolInfo> PoolInfoAsync(string pool, CancellationToken ct = default)
    {
        var result = await RunAsync(["pool-info", "--pool", pool, "--bytes"], VirshObject.Pool(pool), ct)
            .ConfigureAwait(false);
        return VirshOutput.ParsePoolInfo(result.StdoutText);
    }

    public async Task<PoolXml> PoolDumpXmlAsync(string pool, bool inactive = false, CancellationToken ct = default)
    {
        string[] args = inactive ? ["pool-dumpxml", "--pool", pool, "--inactive"] : ["pool-dumpxml", "--pool", pool];
        var result = await RunAsync(args, VirshObject.Pool(pool), ct).ConfigureAwait(false);
        return PoolXml.Parse(result.StdoutText);
    }

    /// <summary>
    /// `virsh pool-destroy` (stops it; images and definition stay). Returns false when it was not active.
    /// </summary>
    public Task<bool> PoolDestroyAsync(string pool, CancellationToken ct = default) =>
        RunUnlessAsync(["pool-destroy", "--pool", pool], VirshObject.Pool(pool), $"storage pool '{pool}' is not active",
            ct);

    public async Task PoolUndefineAsync(string pool, CancellationToken ct = default) =>
        await RunAsync(["pool-undefine", "--pool", pool], VirshObject.Pool(pool), ct).ConfigureAwait(false);
}
