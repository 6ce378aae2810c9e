using System.Text.Json;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>HostFacts (the first typed tool client) against real hosts, checked against what lab-up says it built.</summary>
[Collection(LabCollection.Name)]
public sealed class HostFactsLabTests(LabFixture lab)
{
    [Fact]
    public async Task ReadsEachHostAsLabUpDescribesIt()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.OutDir, "hosts.json")));
        await using var transport = new SshTransport();
        foreach (var (json, i) in doc.RootElement.GetProperty("hosts").EnumerateArray().Select((h, i) => (h, i)))
        {
            var labHost = lab.Hosts[i];
            // h2 through sudo, the others as root: the facts must not depend on the login.
            var host = transport.Host(lab.Target(labHost, c => c.SshUser = labHost == lab.H2 ? "mvm" : "root"));
            var facts = await new HostFacts(host).GatherAsync(TimeSpan.FromSeconds(30), default);

            Assert.Equal(labHost.Name, facts.Hostname);
            Assert.Equal(("debian", "12"), (facts.Os.Id, facts.Os.VersionId));
            Assert.True(facts.Cpu.LogicalCpus >= 1);
            Assert.True(facts.Memory.TotalBytes > 0);
            Assert.Equal([$"{labHost.Management}/24"], facts.FindInterface(json.GetProperty("managementInterface").GetString()!)!.Addresses.Where(a => a.Family == "inet").Select(a => a.ToString()));
            Assert.Equal([$"{labHost.Storage}/24"], facts.FindInterface(json.GetProperty("storageInterface").GetString()!)!.Addresses.Where(a => a.Family == "inet").Select(a => a.ToString()));
            Assert.True(facts.FindInterface(json.GetProperty("computeInterface").GetString()!)!.IsUp);
            foreach (var disk in json.GetProperty("dataDiskDetails").EnumerateArray())
            {
                var device = facts.FindBlockDevice(disk.GetProperty("kernelDevice").GetString()!);
                Assert.NotNull(device);
                // Not IsBlank: later lab tests turn these disks into OSDs.
                Assert.Equal(disk.GetProperty("sizeBytes").GetInt64(), device.SizeBytes);
            }
        }
    }
}
