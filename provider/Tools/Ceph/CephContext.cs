using System.Globalization;

namespace Mvm.Tools;

/// <summary>
/// Which cluster a Ceph tool talks to and as whom: the options every `ceph`, `rbd` and
/// `ceph-volume` call carries. Only file paths travel on argv; cephx keys stay in keyring files on
/// the host, so no key ever reaches a command line, a process list or a log.
/// </summary>
public sealed record CephContext
{
    /// <summary>The host's defaults: /etc/ceph/ceph.conf, client.admin and its keyring.</summary>
    public static CephContext Default { get; } = new();

    /// <summary>
    /// Cluster name (`--cluster`), which selects /etc/ceph/&lt;name&gt;.conf. Null means Ceph's default, `ceph`.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>Configuration file (`--conf`), absolute path on the host.</summary>
    public string? ConfPath { get; init; }

    /// <summary>Keyring file (`--keyring`), absolute path on the host. Never the key itself.</summary>
    public string? KeyringPath { get; init; }

    /// <summary>Entity the client authenticates as (`--name`), e.g. `client.admin`.</summary>
    public string? ClientName { get; init; }

    /// <summary>
    /// How long a command waits to reach the monitors. Without a bound the CLIs keep hunting for
    /// a monitor for client_mount_timeout (300 s), far past any useful error.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (Cluster is not null
            && (Cluster.Length == 0 || !Cluster.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"Ceph cluster name \"{Cluster}\" must be letters, digits, '-' or '_'",
                nameof(Cluster));
        foreach (var (what, path) in new[] { ("ConfPath", ConfPath), ("KeyringPath", KeyringPath) })
        {
            if (path is not null && !path.StartsWith('/'))
                throw new ArgumentException($"Ceph {what} must be an absolute path on the host, got \"{path}\"", what);
        }
        if (ClientName is not null && (ClientName.StartsWith('-') || !ClientName.Contains('.')))
            throw new ArgumentException($"Ceph client name \"{ClientName}\" must be TYPE.ID, e.g. client.admin",
                nameof(ClientName));
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentException("ConnectTimeout must be positive",
            nameof(ConnectTimeout));
    }

    // The CLIs take whole seconds; round up so a sub-second setting never becomes 0 (= forever).
    private string TimeoutSeconds =>
        Math.Max(1, (int)Math.Ceiling(ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Options shared by ceph and rbd, in a fixed order so argv is predictable.</summary>
    private List<string> Identity()
    {
        var argv = new List<string>();
        if (Cluster is not null) argv.AddRange(["--cluster", Cluster]);
        if (ConfPath is not null) argv.AddRange(["--conf", ConfPath]);
        if (ClientName is not null) argv.AddRange(["--name", ClientName]);
        if (KeyringPath is not null) argv.AddRange(["--keyring", KeyringPath]);
        return argv;
    }

    /// <summary>`ceph` options: the identity plus the CLI's own `--connect-timeout`.</summary>
    internal IEnumerable<string> CephOptions() => Identity().Concat(["--connect-timeout", TimeoutSeconds]);

    /// <summary>`rbd` has no --connect-timeout; the librados option it maps to is client_mount_timeout.</summary>
    internal IEnumerable<string> RbdOptions() => Identity().Concat(["--client-mount-timeout", TimeoutSeconds]);

    /// <summary>
    /// `ceph-volume` takes only `--cluster`: it authenticates with the cluster's bootstrap-osd keyring
    /// (/var/lib/ceph/bootstrap-osd/&lt;cluster&gt;.keyring) and reads /etc/ceph/&lt;cluster&gt;.conf.
    /// </summary>
    internal IEnumerable<string> CephVolumeOptions() => Cluster is null ? [] : ["--cluster", Cluster];
}
