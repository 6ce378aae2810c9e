namespace Mvm.Tests.Unit.Architecture;

/// <summary>
/// Upward references that existed on main when the layering test was written (issue 13), each to be removed:
/// delete an entry when its reference goes. The test fails on any reference not listed here and on an entry
/// that no longer occurs, so this list only shrinks. Keyed by file and the namespace it names.
/// </summary>
public static class KnownViolations
{
    public static readonly IReadOnlyList<(string File, string Namespace)> Entries =
    [
        // Cluster -> Transport: IHost, RemoteScript and raw commands. The cluster layer is to reach hosts only
        // through typed tool clients.
        ("provider/Cluster/CephBootstrap.cs", "Mvm.Transport"),
        ("provider/Cluster/CephMonitors.cs", "Mvm.Transport"),
        ("provider/Cluster/ClusterConnection.cs", "Mvm.Transport"),
        ("provider/Cluster/ClusterNode.cs", "Mvm.Transport"),
        ("provider/Cluster/ClusterProvisioner.cs", "Mvm.Transport"),
        ("provider/Cluster/ClusterRemoval.cs", "Mvm.Transport"),
        ("provider/Cluster/ClusterTeardown.cs", "Mvm.Transport"),
        ("provider/Cluster/HostDrain.cs", "Mvm.Transport"),
        ("provider/Cluster/HostPreflight.cs", "Mvm.Transport"),
        ("provider/Cluster/HostSetup.cs", "Mvm.Transport"),
        ("provider/Cluster/MemberHost.cs", "Mvm.Transport"),
        ("provider/Cluster/MigrationTrust.cs", "Mvm.Transport"),
        ("provider/Cluster/OsdRemoval.Host.cs", "Mvm.Transport"),
        ("provider/Cluster/OsdRemoval.cs", "Mvm.Transport"),
        ("provider/Cluster/OvsNetworking.cs", "Mvm.Transport"),
        ("provider/Cluster/PreflightDevices.cs", "Mvm.Transport"),

        // Resources -> Transport: IHost and RemoteScript. Resources are to go through the cluster layer and
        // tool clients.
        ("provider/Resources/OvsVlan/VlanReader.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualImage/ImageImport.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualImage/VirtualImage.Create.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualMachine/CloudInitSeed.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualMachine/VirtualMachine.Create.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualMachine/VirtualMachine.Delete.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualMachine/VmHosts.cs", "Mvm.Transport"),
        ("provider/Resources/VirtualMachine/VmNetworks.cs", "Mvm.Transport"),
    ];
}
