using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// The 3-host HCI cluster the VM lab tests build (h5-h7, or MVM_LAB_VM_HOSTS): its machines, a
/// shell on them, and the program's header with the `cluster` resource (TCG domains, netdev OVS,
/// pool `vms`, VLAN 22, lab-sized memory rules); each test appends its own resources.
/// </summary>
public sealed class VmLabCluster(LabFixture lab, string test)
{
    public static string[] Machines =>
        (Environment.GetEnvironmentVariable("MVM_LAB_VM_HOSTS") is { Length: > 0 } v ? v : "h5,h6,h7").Split(',');

    public LabHost Machine(string name) => lab.Hosts.SingleOrDefault(h => h.Name == name)
        ?? throw new InvalidOperationException($"the {test} needs lab host {name}: start the lab with LAB_HOSTS=8 (make test-lab does)");

    public (int Exit, string Output) On(string host, string command) => lab.Exec(Machine(host), "bash", "-c", command);

    /// <summary>Fails unless every machine is bare: the tests build their cluster from scratch.</summary>
    public void AssertBare()
    {
        foreach (var m in Machines)
            Assert.True(On(m, "test ! -e /etc/ceph/ceph.conf").Exit == 0, $"{m} already carries a Ceph configuration: the {test} needs bare hosts (restart the lab)");
    }

    /// <summary>Pulumi.yaml up to and including the cluster resource `cluster` named <paramref name="cluster"/>.</summary>
    public string Program(string project, string cluster) => $$"""
        name: {{project}}
        runtime: yaml
        plugins:
          providers:
            - name: mvm
              path: {{Path.GetDirectoryName(LabProgram.PluginPath)}}
        resources:
          cluster:
            type: mvm:index:MvmCluster
            properties:
              name: {{cluster}}
              layout: hci
              domainType: qemu
              ovsDatapath: netdev
              minimumMemoryGiB: 1
              memoryPerOsdGiB: 1
              cephPublicNetwork: 10.20.1.0/24
              vmPool: vms
              computeVlans: ["22"]
              cephConfig:
                mon_data_avail_warn: "5"
              hosts:
        {{string.Concat(Machines.Select(m => $"        - name: {m}\n          address: {Machine(m).Management}\n          dataDevices: [/dev/vdb]\n          managementInterface: eth0\n          storageInterface: eth1\n          computeInterface: eth2\n"))}}
        """;
}
