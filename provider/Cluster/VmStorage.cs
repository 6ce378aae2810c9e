using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// The RBD pool VM disks live in, the cephx user libvirt reads them with, and on every host the
/// libvirt secret holding that user's key plus an RBD storage pool — so every host can run every VM.
/// </summary>
public static class VmStorage
{
    /// <summary>
    /// Caps of the VM client: RBD on every pool (VirtualMachine disks may name other pools than the cluster's).
    /// </summary>
    public static readonly (string, string)[] ClientCaps = [("mon", "profile rbd"), ("osd", "profile rbd"),
        ("mgr", "profile rbd")];

    /// <summary>
    /// Creates the VM pool and the client if needed; returns the client's key (registered as a secret).
    /// </summary>
    public static async Task<string> EnsurePoolAndClientAsync(Ceph ceph, ClusterInfo info, int size,
        IOperationSteps ctx)
    {
        await ctx.StepAsync($"create RBD pool {info.VmPool}", ceph.Host.Name, async ct =>
        {
            if (await ceph.FindPoolAsync(info.VmPool, ct).ConfigureAwait(false) is null)
                await ceph.CreatePoolAsync(new PoolCreateOptions(info.VmPool) { Size = size,
                    AutoscaleMode = CephAutoscaleMode.On }, ct).ConfigureAwait(false);
            await ceph.EnableApplicationAsync(info.VmPool, "rbd", ct).ConfigureAwait(false);
        });
        var key = await ctx.StepAsync($"create cephx user client.{info.CephClient}", ceph.Host.Name,
            ct => ceph.AuthGetOrCreateKeyAsync("client." + info.CephClient, ClientCaps, ct));
        ctx.Secrets.Add(key);
        return key;
    }

    /// <summary>Defines the libvirt secret (with the key) and the RBD storage pool on one host.</summary>
    public static Task EnsureOnHostAsync(ClusterNode node, ClusterInfo info, string key,
        IReadOnlyList<string> monitorAddresses, IOperationSteps ctx) =>
        ctx.StepAsync("define libvirt secret and RBD pool", node.Name, async ct =>
        {
            var virsh = new Virsh(node.Host);
            var uuid = Guid.Parse(info.LibvirtSecretUuid);
            await virsh.SecretDefineAsync(SecretXml.FromSpec(new SecretSpec(uuid,
                $"client.{info.CephClient} secret (mvm cluster {info.Name})")), ct: ct).ConfigureAwait(false);
            await virsh.SecretSetValueBase64Async(uuid, key, ct).ConfigureAwait(false);
            if (!(await virsh.PoolListAsync(ct).ConfigureAwait(false)).Contains(info.VmPool))
            {
                var spec = new RbdPoolSpec(info.VmPool, info.VmPool,
                    monitorAddresses.Select(a => new Mvm.Tools.CephMonitor(a, 6789)).ToList(),
                    new CephAuth(info.CephClient, uuid));
                await virsh.PoolDefineAsync(PoolXml.FromSpec(spec), ct: ct).ConfigureAwait(false);
            }
            await virsh.PoolStartAsync(info.VmPool, ct).ConfigureAwait(false);
            await virsh.PoolAutostartAsync(info.VmPool, true, ct).ConfigureAwait(false);
        });
}
