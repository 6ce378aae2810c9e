using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>examples/cluster as the lab tests run it: pointed at the built plugin, its hosts list replaceable.</summary>
public static class ClusterExample
{
    public static string Program =>
        File.ReadAllText(Path.Combine(LabProgram.RepoRoot, "examples", "cluster", "Pulumi.yaml"))
            .Replace("path: ../../provider/bin/plugin", $"path: {Path.GetDirectoryName(LabProgram.PluginPath)}");

    /// <summary>The example with its hosts list replaced: (display name, machine, devices).</summary>
    public static string WithHosts(params (string Name, LabHost Machine, string[] Devices)[] hosts)
    {
        var program = Program;
        var start = program.IndexOf("      hosts:\n", StringComparison.Ordinal);
        var end = program.IndexOf("    options:", start, StringComparison.Ordinal);
        var block = "      hosts:\n" + string.Concat(hosts.Select(h => $"""
                    - name: {h.Name}
                      address: {h.Machine.Management}
                      dataDevices: [{string.Join(", ", h.Devices)}]
                      managementInterface: eth0
                      storageInterface: eth1
                      computeInterface: eth2

            """));
        return program[..start] + block + program[end..];
    }

    /// <summary>The preview's `plan:` lines, once each.</summary>
    public static string Plan(DeploymentResult r) =>
        string.Join("\n", r.Logs.Where(l => l.Message.StartsWith("plan: ", StringComparison.Ordinal)).Select(l => l.Message).Distinct());
}
