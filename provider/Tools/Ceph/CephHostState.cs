namespace Mvm.Tools;

/// <summary>Everything Ceph keeps on one host: its daemons' units, data, mounts and configuration.</summary>
public static class CephHostState
{
    /// <summary>
    /// Stops and disables every Ceph daemon on the host and removes its Ceph state and
    /// configuration; wipes the listed devices. A fixed script: devices arrive as positional
    /// parameters, each resolved (`readlink -e`) first and skipped when it is not there.
    /// </summary>
    public static ToolCall<bool> RemoveAll(IReadOnlyList<string> wipeDevices)
    {
        if (wipeDevices.Any(d => !d.StartsWith('/'))) throw new ArgumentException("devices are absolute paths",
            nameof(wipeDevices));
        return new(["bash", "-c", Script, "mvm-ceph-remove", .. wipeDevices], null, r => r.EnsureSuccess() is not null);
    }

    private const string Script = """
        units=$(systemctl list-units --all --plain --no-legend 'ceph-mon@*' 'ceph-mgr@*' 'ceph-osd@*' | awk '{print $1}')
        for u in $units; do systemctl disable --now "$u" || exit 1; done
        systemctl disable --now ceph-mon.target ceph-mgr.target ceph-osd.target ceph.target 2>/dev/null
        systemctl reset-failed 2>/dev/null
        for m in $(findmnt -rn -o TARGET | grep '^/var/lib/ceph/osd/'); do umount "$m" || exit 1; done
        rm -rf /var/lib/ceph/mon/* /var/lib/ceph/mgr/* /var/lib/ceph/osd/* /var/lib/ceph/bootstrap-osd/* /var/lib/ceph/tmp/*
        rm -f /etc/ceph/ceph.conf /etc/ceph/*.keyring
        for d in "$@"; do dev=$(readlink -e "$d") || continue; wipefs -a -q "$dev" || exit 1; done
        exit 0
        """;
}
