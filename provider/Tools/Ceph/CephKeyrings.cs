using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// `ceph-authtool`, which makes and merges keyring files on a host without a cluster: how the
/// first monitor's keys are born. Keys are generated on the host and stay in its files; only
/// paths, entity names and caps travel on argv.
/// </summary>
public static class CephKeyrings
{
    /// <summary>
    /// `ceph-authtool --create-keyring PATH --gen-key -n ENTITY --cap SERVICE CAPS…`: a new keyring
    /// holding a fresh key for <paramref name="entity"/> with these caps (an existing file is replaced).
    /// </summary>
    public static ToolCall<bool> Create(string path, string entity, IReadOnlyList<(string Service, string Caps)> caps)
    {
        var argv = new List<string> { "ceph-authtool", "--create-keyring", Path(path), "--gen-key", "-n",
            Ceph.CheckName(entity, "entity") };
        foreach (var (service, cap) in caps) argv.AddRange(["--cap", Ceph.CheckName(service, "service"), cap]);
        return new([.. argv], null, Ok);
    }

    /// <summary>
    /// `ceph-authtool PATH --import-keyring FROM`: adds the keys of <paramref name="from"/> to the keyring at <paramref
    /// name="path"/>.
    /// </summary>
    public static ToolCall<bool> Import(string path, string from) =>
        new(["ceph-authtool", Path(path), "--import-keyring", Path(from)], null, Ok);

    internal static string Path(string path) =>
        path is { Length: > 1 } && path[0] == '/' ? path :
            throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));

    private static bool Ok(CommandResult r) => r.EnsureSuccess() is not null;
}

/// <summary>
/// A monitor's own files: the initial monitor map (`monmaptool`) and the monitor's store
/// (`ceph-mon --mkfs`, run as the ceph user so the daemon owns what it made).
/// </summary>
public static class CephMonStore
{
    /// <summary>
    /// `monmaptool --create --fsid FSID --addv NAME [v2:IP:3300,v1:IP:6789]… PATH`: the first map of a
    /// new cluster, each monitor on both protocol ports.
    /// </summary>
    public static ToolCall<bool> CreateMonmap(string path, string fsid,
        IReadOnlyList<(string Name, string Address)> monitors)
    {
        var argv = new List<string> { "monmaptool", "--create", "--fsid", Ceph.CheckName(fsid, "fsid") };
        foreach (var (name, address) in monitors)
        {
            if (!System.Net.IPAddress.TryParse(address,
                out _)) throw new ArgumentException($"\"{address}\" is not an IP address", nameof(monitors));
            argv.AddRange(["--addv", Ceph.CheckName(name, "monitor name"), $"[v2:{address}:3300,v1:{address}:6789]"]);
        }
        argv.Add(CephKeyrings.Path(path));
        return new([.. argv], null, Ok);
    }

    /// <summary>
    /// `runuser -u ceph -- ceph-mon --mkfs -i ID --monmap MAP --keyring KEYRING`: monitor <paramref name="id"/>'s
    /// store.
    /// </summary>
    public static ToolCall<bool> Mkfs(string id, string monmap, string keyring) =>
        new(["runuser", "-u", "ceph", "--", "ceph-mon", "--mkfs", "-i", Ceph.CheckName(id, "monitor name"),
            "--monmap", CephKeyrings.Path(monmap), "--keyring", CephKeyrings.Path(keyring)], null, Ok);

    private static bool Ok(CommandResult r) => r.EnsureSuccess() is not null;
}
