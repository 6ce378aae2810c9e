using System.Globalization;

namespace Mvm.Tools;

/// <summary>
/// How <see cref="Virsh.MigrateAsync"/> moves a domain. The defaults are the provider's host
/// change: live (the guest keeps running), persistent on the destination, undefined on the source
/// — so afterwards exactly one host knows the domain.
/// </summary>
public sealed record MigrateOptions(string DestinationUri)
{
    public bool Live { get; init; } = true;
    public bool Persistent { get; init; } = true;
    public bool UndefineSource { get; init; } = true;

    /// <summary>
    /// Moves only the definition of a shut-off domain (`--offline`): nothing runs, so nothing streams.
    /// </summary>
    public bool Offline { get; init; }

    /// <summary>
    /// The definition the destination keeps (`--persistent-xml`, sent on stdin). Without it the
    /// destination's definition is the running XML, so changes waiting in the source's definition
    /// for the next boot (and metadata written only there) would be lost in the move.
    /// </summary>
    public string? PersistentXml { get; init; }

    /// <summary>Throttle the guest's CPUs if its memory changes faster than the link copies it.</summary>
    public bool AutoConverge { get; init; }

    /// <summary>
    /// Where QEMU sends the memory (e.g. `tcp://10.20.1.13` to use the storage network); null: the destination's
    /// hostname.
    /// </summary>
    public string? MigrateUri { get; init; }

    /// <summary>Limit in MiB/s; null: unlimited.</summary>
    public int? BandwidthMiBs { get; init; }

    internal void Validate()
    {
        if (!DestinationUri.Contains("://", StringComparison.Ordinal)) throw new
            ArgumentException($"'{DestinationUri}' is not a libvirt URI");
        if (BandwidthMiBs is < 1) throw new ArgumentException("migration bandwidth must be positive");
        if (PersistentXml is not null
            && !Persistent) throw new ArgumentException("--persistent-xml needs --persistent");
        if (Offline
            && (Live || !Persistent)) throw new
            ArgumentException("an offline migration moves the persistent definition: it needs --persistent and " +
            "cannot be --live");
        if (UndefineSource && !Persistent)
            throw new
                ArgumentException("undefining the source without --persistent would leave the domain defined nowhere " +
                "once it stops");
    }
}

/// <summary>libvirt connection URIs the provider builds.</summary>
public static class LibvirtUri
{
    /// <summary>
    /// `qemu+ssh://user@host:port/system?keyfile=…`: the system daemon on another host over SSH,
    /// as virsh on a source host reaches a migration destination. Host keys are checked by the
    /// source's own known_hosts (the provider puts the destination's key there).
    /// </summary>
    public static string QemuSsh(string host, string? user = "root", int? port = null, string? keyFile = null)
    {
        if (string.IsNullOrEmpty(host) || host.Any(c => c is '/' or '@' or '?' or '#' or ' ' || char.IsControl(c)))
            throw new ArgumentException($"'{host}' is not a host name or address");
        if (user is { } u
            && (u.Length == 0 || u.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))))
            throw new ArgumentException($"'{u}' is not a user name");
        if (port is < 1 or > 65535) throw new ArgumentException($"port {port} is outside 1..65535");
        // Query values are not escaped: libvirt's URI parser would unescape them, but a path
        // limited to these characters never needs it and cannot smuggle another parameter.
        if (keyFile is { } k
            && (!k.StartsWith('/') || k.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('/' or '.' or '-' or '_'))))
            throw new
                ArgumentException($"key file '{keyFile}' must be an absolute path of letters, digits, '/', '.', '-' " +
                "and '_'");
        var h = host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
        var uri = "qemu+ssh://" + (user is null ? "" : user + "@") + h
            + (port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "") + "/system";
        return keyFile is null ? uri : uri + "?keyfile=" + keyFile;
    }
}
