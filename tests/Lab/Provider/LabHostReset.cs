using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Returns lab hosts a provider test built a cluster on to bare, whatever the test left: a failed
/// run must not make the next one start from hosts that already carry a cluster. Packages stay
/// (the provider's install is idempotent); data disks are wiped.
/// </summary>
public static class LabHostReset
{
    private const string Script = """
        if command -v virsh >/dev/null; then
          for d in $(virsh list --all --name); do virsh destroy "$d" >/dev/null 2>&1; virsh undefine --nvram "$d" >/dev/null 2>&1 || virsh undefine "$d"; done
        fi
        for u in $(systemctl list-units --all --plain --no-legend 'ceph-mon@*' 'ceph-mgr@*' 'ceph-osd@*' | awk '{print $1}'); do systemctl disable --now "$u"; done
        systemctl reset-failed 2>/dev/null
        for m in $(findmnt -rn -o TARGET | grep '^/var/lib/ceph/osd/'); do umount "$m"; done
        rm -rf /var/lib/ceph/mon/* /var/lib/ceph/mgr/* /var/lib/ceph/osd/* /var/lib/ceph/bootstrap-osd/* /var/lib/ceph/tmp/* /etc/ceph/ceph.conf /etc/ceph/*.keyring
        if command -v virsh >/dev/null; then
          for n in $(virsh net-list --all --name | grep '^mvm-vlan'); do virsh net-destroy "$n"; virsh net-undefine "$n"; done
          for p in $(virsh pool-list --all --name); do virsh pool-destroy "$p"; virsh pool-undefine "$p"; done
          for s in $(virsh secret-list | awk '/client.mvm/ {print $1}'); do virsh secret-undefine "$s"; done
        fi
        command -v ovs-vsctl >/dev/null && ovs-vsctl --if-exists del-br br-mvm
        rm -rf /etc/mvm /var/tmp/mvm-*
        for f in /root/.ssh/authorized_keys /etc/ssh/ssh_known_hosts; do [ -f "$f" ] && sed -i '/ mvm-migration@/d' "$f"; done
        for d in /dev/vdb /dev/vdc; do wipefs -a -q "$(readlink -e $d)"; done
        exit 0
        """;

    public static void Reset(LabFixture lab, params string[] hosts)
    {
        foreach (var h in hosts)
            if (lab.Hosts.FirstOrDefault(x => x.Name == h) is { } host) lab.Exec(host, "bash", "-c", Script);
    }
}
