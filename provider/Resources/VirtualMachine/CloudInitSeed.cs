using System.Security.Cryptography;
using System.Text;
using Mvm.Cluster;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// A cloud-init NoCloud seed: `meta-data`, `user-data` and optionally `network-config` on an
/// ISO 9660 volume labelled `cidata`, stored as an RBD image so it moves with the VM. The
/// instance-id is a digest of the content: when the content changes, the guest sees a new
/// instance and runs cloud-init again.
/// </summary>
public sealed class CloudInitSeed
{
    private static readonly TimeSpan T = TimeSpan.FromMinutes(3);

    private CloudInitSeed(string instanceId, IReadOnlyDictionary<string, string> files)
    {
        InstanceId = instanceId;
        Files = files;
    }

    public string InstanceId { get; }

    /// <summary>File name on the seed → content.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>The seed for a VM; null when it declares no cloud-init.</summary>
    public static CloudInitSeed? For(string vm, CloudInit? ci)
    {
        if (ci is null || (ci.UserData is null && ci.MetaData is null && ci.NetworkConfig is null)) return null;
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\0", vm, ci.UserData ?? "", ci.MetaData ?? "", ci.NetworkConfig ?? ""))));
        var instanceId = "mvm-" + digest[..16];
        var meta = (ci.MetaData ?? "").TrimEnd('\n', '\r');
        // The user's keys win; the provider only adds the two cloud-init needs.
        var lines = new List<string>();
        if (meta.Length > 0) lines.Add(meta);
        if (!HasKey(meta, "instance-id")) lines.Add($"instance-id: {instanceId}");
        if (!HasKey(meta, "local-hostname")) lines.Add($"local-hostname: {vm}");
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["meta-data"] = string.Join('\n', lines) + "\n",
            // An empty user-data is valid and tells cloud-init there is nothing to do.
            ["user-data"] = ci.UserData ?? "",
        };
        if (ci.NetworkConfig is { } net) files["network-config"] = net;
        return new CloudInitSeed(instanceId, files);
    }

    private static bool HasKey(string yaml, string key) =>
        yaml.Split('\n').Any(l => l.StartsWith(key + ":", StringComparison.Ordinal));

    /// <summary>
    /// Builds the ISO on <paramref name="host"/> with xorriso in a private temporary directory,
    /// imports it into <paramref name="image"/> marked with <paramref name="owner"/> and removes
    /// the directory, all in one round trip; nothing is built when the resource's seed is there
    /// already (see <see cref="OwnedRbdImage"/> for whose seeds are carried on).
    /// </summary>
    public async Task ImportAsync(RemoteHost host, RbdImageRef image, string owner, bool stateNamesIt,
        CancellationToken ct)
    {
        var rbd = new Rbd(host, ClusterConnection.CephContext);
        var dir = $"/var/tmp/mvm-seed-{image.Image}";
        try
        {
            await OwnedRbdImage.EnsureAsync(rbd, image, owner, stateNamesIt, batch =>
            {
                batch.Add(HostFiles.RemoveScratchDirectory(dir));
                batch.Add(HostFiles.MakeDirectories("0700", [dir]));
                foreach (var (name, content) in Files)
                    batch.Add(HostFiles.Write($"{dir}/{name}", "0600", Encoding.UTF8.GetBytes(content)));
                batch.Add(Xorriso.MakeIsoCall($"{dir}/seed.iso", "cidata", [.. Files.Keys.Select(f => $"{dir}/{f}")]));
                batch.Add(rbd.ImportCall($"{dir}/seed.iso", image));
                batch.Add(HostFiles.RemoveScratchDirectory(dir));
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            // The batch stopped part-way (or was cancelled): the user-data must not stay on the host.
            await new HostFiles(host).RemoveScratchDirectoryAsync(dir, T, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
