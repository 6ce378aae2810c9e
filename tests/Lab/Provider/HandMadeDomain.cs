namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// A small domain defined by hand, as an operator would make one outside the provider: one RBD
/// disk in the cluster's pool (through the client.mvm libvirt secret) and a NIC on a VLAN network.
/// Maintenance moves such domains; VirtualMachine imports them.
/// </summary>
public static class HandMadeDomain
{
    /// <summary>The shell lines that make the disk image and define (optionally start) the domain on a cluster host.</summary>
    public static string Script(string name, string image, string imageSize, int memoryMiB, string network, bool start, string? placement = null)
    {
        var metadata = placement is null ? "" :
            $"<metadata><mvm:domain xmlns:mvm='https://github.com/pulumi-resource-mvm/xmlns/domain/1'><mvm:item name='placement'>{placement}</mvm:item></mvm:domain></metadata>";
        return $"""
            secret=$(virsh secret-list | awk '/client.mvm/ {"{print $1}"}')
            rbd create --size {imageSize} vms/{image}
            virsh define /dev/stdin <<XML
            <domain type='qemu'>
              <name>{name}</name>{metadata}
              <memory unit='MiB'>{memoryMiB}</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type></os>
              <devices>
                <disk type='network' device='disk'>
                  <driver name='qemu' type='raw'/>
                  <auth username='mvm'><secret type='ceph' uuid='$secret'/></auth>
                  <source protocol='rbd' name='vms/{image}'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <interface type='network'><source network='{network}'/><model type='virtio'/></interface>
              </devices>
            </domain>
            XML
            {(start ? $"virsh start {name}" : "true")}
            """;
    }
}
