using System.Text;
using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Cluster;
using Mvm.Resources.Shared;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Host preflight against real lab host h1 (Debian 12, no KVM, eth0/eth1/eth2, data disks /dev/vdb
/// and /dev/vdc). Read-only, except that one test puts a filesystem on /dev/vdc and wipes it again.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class HostPreflightLabTests(LabFixture lab, ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);
    private static readonly PreflightRequirements SmallLab = new(MinimumMemoryGiB: 1, MemoryPerOsdGiB: 1, DomainType.Qemu, Ceph: true);

    private readonly SshTransport _transport = new();

    public ValueTask DisposeAsync() => _transport.DisposeAsync();

    private IHost H1 => _transport.Host(lab.Target(lab.H1));

    /// <summary>h1 as lab-up describes it in hosts.json.</summary>
    private MemberHost Spec(Action<MemberHost>? change = null)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.OutDir, "hosts.json")));
        var h = doc.RootElement.GetProperty("hosts")[0];
        var spec = new MemberHost
        {
            Name = lab.H1.Name,
            Address = lab.H1.Management,
            DataDevices = h.GetProperty("dataDisks").EnumerateArray().Select(d => d.GetString()).ToList(),
            ManagementInterface = h.GetProperty("managementInterface").GetString(),
            StorageInterface = h.GetProperty("storageInterface").GetString(),
            ComputeInterface = h.GetProperty("computeInterface").GetString(),
        };
        change?.Invoke(spec);
        return spec;
    }

    private Dictionary<string, string> KernelDevices()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.OutDir, "hosts.json")));
        return doc.RootElement.GetProperty("hosts")[0].GetProperty("dataDiskDetails").EnumerateArray()
            .ToDictionary(d => d.GetProperty("path").GetString()!, d => d.GetProperty("kernelDevice").GetString()!);
    }

    [Fact]
    public async Task H1IsFitWithQemuAndSmallLabMinimums()
    {
        var r = await HostPreflight.InspectAsync(new RemoteHost(H1), Spec(), SmallLab, default);
        output.WriteLine(Show(r));

        Assert.Empty(r.Problems);
        Assert.Equal(("h1", "debian", "12"), (r.Hostname, r.OsId, r.OsVersion));
        Assert.False(r.HasDevKvm);
        Assert.Equal(("eth0", "eth1", "eth2"), (r.ManagementInterface, r.StorageInterface, r.ComputeInterface));
        Assert.Equal($"{lab.H1.Management}/24", r.ManagementAddress);
        Assert.Equal([$"{lab.H1.Storage}/24"], r.InterfaceAddresses["eth1"]);
        Assert.Equal(KernelDevices(), r.ResolvedDevices);
        Assert.Empty(r.ExistingOsds);
        // No KVM here and domainType qemu chosen on purpose: nothing the user must act on.
        Assert.DoesNotContain(r.Warnings, w => w.Contains("KVM", StringComparison.Ordinal));

        // Addressed by name, the management NIC is found through the host's own resolver.
        var byName = await HostPreflight.InspectAsync(new RemoteHost(H1),
            Spec(h => (h.Address, h.ManagementInterface) = ("h1", null)), SmallLab, default);
        Assert.Empty(byName.Problems);
        Assert.Equal("eth0", byName.ManagementInterface);
    }

    [Fact]
    public async Task KvmOnH1IsAProblemThatPointsToQemu()
    {
        var r = await HostPreflight.InspectAsync(new RemoteHost(H1), Spec(),
            SmallLab with { DomainType = DomainType.Kvm }, default);
        output.WriteLine(HostPreflight.Describe([r]));
        var p = Assert.Single(r.Problems);
        Assert.Contains("Host h1 has no hardware virtualisation", p);
        Assert.Contains("`domainType: qemu`", p);
    }

    [Fact]
    public async Task AMissingDeviceAndNicAreProblems()
    {
        var r = await HostPreflight.InspectAsync(new RemoteHost(H1),
            Spec(h => (h.DataDevices, h.StorageInterface) = (["/dev/vdb", "/dev/vdz"], "eth7")), SmallLab, default);
        output.WriteLine(HostPreflight.Describe([r]));
        Assert.Equal(2, r.Problems.Count);
        Assert.Contains(r.Problems, p => p.StartsWith("Host h1 has no network interface eth7 (storageInterface); its interfaces are eth0 10.20.0.11/24, eth1 10.20.1.11/24, eth2", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("Host h1 has no device /dev/vdz (in `dataDevices`)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFilesystemOnVdcIsAProblemUntilItIsWiped()
    {
        var host = H1;
        // /dev/vdc must be blank before the test makes it dirty: blkid finds nothing (exit 2).
        Assert.Equal(2, (await host.RunAsync(["blkid", "-p", "/dev/vdc"], null, T, default)).ExitCode);
        try
        {
            await host.RunCheckedAsync(["mkfs.ext4", "-q", "-F", "/dev/vdc"], T, default);
            var dirty = await HostPreflight.InspectAsync(new RemoteHost(host), Spec(), SmallLab, default);
            output.WriteLine(HostPreflight.Describe([dirty]));
            var p = Assert.Single(dirty.Problems);
            Assert.StartsWith($"Host h1: data device /dev/vdc ({KernelDevices()["/dev/vdc"]}) is not empty: it holds an ext4 filesystem.", p);
            Assert.Contains("wipefs -a /dev/vdc", p);
        }
        finally
        {
            await host.RunCheckedAsync(["wipefs", "-a", "/dev/vdc"], T, default);
        }
        // The fix the message gives is enough.
        Assert.Empty((await HostPreflight.InspectAsync(new RemoteHost(host), Spec(), SmallLab, default)).Problems);
    }

    [Fact]
    public async Task ABlueStoreLabelOnVdcIsAProblemWhileCephVolumeIsMissing()
    {
        var host = H1;
        Assert.Equal(2, (await host.RunAsync(["blkid", "-p", "/dev/vdc"], null, T, default)).ExitCode);
        Assert.True((await host.RunAsync(["sh", "-c", "command -v ceph-volume"], null, T, default)).ExitCode != 0, "h1 is expected to have no Ceph packages");
        try
        {
            // The label's first line is what libblkid recognises; the device comes in as $1, never as script text.
            await host.RunCheckedAsync(["bash", "-c", "printf 'bluestore block device\\n%s\\n' \"$(cat /proc/sys/kernel/random/uuid)\" | dd of=\"$1\" conv=notrunc status=none",
                "mvm-test", "/dev/vdc"], T, default);
            var r = await HostPreflight.InspectAsync(new RemoteHost(host), Spec(),
                SmallLab with { ExistingFsid = "8061f588-4e8c-45ca-93c1-6b8465267382" }, default);
            output.WriteLine(HostPreflight.Describe([r]));
            var p = Assert.Single(r.Problems);
            Assert.Contains("/dev/vdc", p);
            // Without ceph-volume nobody can tell which cluster the label belongs to, so the disk is not taken.
            Assert.Contains("carries a Ceph BlueStore label", p);
            Assert.Contains("ceph-volume is not installed", p);
            Assert.Empty(r.ExistingOsds);
        }
        finally
        {
            await host.RunCheckedAsync(["wipefs", "-a", "/dev/vdc"], T, default);
        }
    }

    private static string Show(HostReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{r.Name}: hostname {r.Hostname}, {r.OsId} {r.OsVersion}, {r.Cpus} CPUs, {r.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, vmx/svm {r.HasVirtualizationFlags}, /dev/kvm {r.HasDevKvm}");
        sb.AppendLine($"  interfaces: management {r.ManagementInterface} ({r.ManagementAddress}), storage {r.StorageInterface}, compute {r.ComputeInterface}");
        sb.AppendLine($"  addresses: {string.Join("; ", r.InterfaceAddresses.Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value)}]"))}");
        sb.AppendLine($"  devices: {string.Join(", ", r.ResolvedDevices.Select(kv => $"{kv.Key} -> {kv.Value}"))}; existing OSDs: {r.ExistingOsds.Count}");
        foreach (var p in r.Problems) sb.AppendLine("  problem: " + p);
        foreach (var w in r.Warnings) sb.AppendLine("  warning: " + w);
        return sb.ToString();
    }
}
