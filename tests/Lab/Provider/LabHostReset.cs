using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Leaves lab hosts bare for the next run whatever a test did: a failed run must not leave a
/// cluster that makes the next one start from non-bare hosts. Packages stay (the provider's
/// install is idempotent); Ceph daemons, state and configuration, the libvirt and OVS setup and
/// the data disks' signatures go.
/// </summary>
public static class LabHostReset
{
    private const string Script = """
        for u in $(systemctl list-units --all --plain --no-legend 'ceph-mon@*' 'ceph-mgr@*' 'ceph-osd@*' | awk '{print $1}'); do systemctl disable --now "$u"; done
        systemctl reset-failed 2>/dev/null
        for m in $(findmnt -rn -o TARGET | grep '^/var/lib/ceph/osd/'); do umount "$m"; done
        rm -rf /var/lib/ceph/mon/* /var/lib/ceph/mgr/* /var/lib/ceph/osd/* /var/lib/ceph/bootstrap-osd/* /var/lib/ceph/tmp/* /etc/ceph/ceph.conf /etc/ceph/*.keyring
        if command -v virsh >/dev/null; then
          for n in $(virsh net-list --all --name | grep '^mvm-vlan'); do virsh net-destroy "$n"; virsh net-undefine "$n"; done
          virsh pool-destroy mvm-vms; virsh pool-undefine mvm-vms
          for s in $(virsh secret-list | awk '/client.mvm/ {print $1}'); do virsh secret-undefine "$s"; done
        fi
        command -v ovs-vsctl >/dev/null && ovs-vsctl --if-exists del-br br-mvm
        for d in /dev/vdb /dev/vdc; do wipefs -a -q "$(readlink -e $d)"; done
        exit 0
        """;

    /// <summary>Resets the named hosts that the lab has; a host it lacks is skipped.</summary>
    public static void Reset(LabFixture lab, params string[] names)
    {
        foreach (var name in names)
            if (lab.Hosts.FirstOrDefault(x => x.Name == name) is { } host) lab.Exec(host, "bash", "-c", Script);
    }
}
