using Mvm.Tools;
using Mvm.Cluster;
using Mvm.Resources.Shared;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>
/// Host preflight over lab host h1's captured tool output (<see cref="PreflightTestHost"/>).
/// Fixtures: Fixtures/HostFacts (os-release, /proc, lsblk, ip, getent from h1; the DHCP address
/// and the active swap area captured with the same iproute2 6.1 and util-linux 2.38.1 in a
/// scratch network namespace and on a scratch loop device of the lab machine) and Fixtures/Blkid
/// (`blkid -p -o export` of h1's /dev/vdc after mkfs.ext4, mkswap, an MBR and a BlueStore label).
/// </summary>
public class HostPreflightTests
{
    private const string LabFsid = "8061f588-4e8c-45ca-93c1-6b8465267382"; // the cluster of Fixtures/Ceph/ceph-volume-16.2.15-raw-list-device.json

    private static readonly PreflightRequirements Lab = new(4, 4, DomainType.Qemu, Ceph: true);

    private static MemberHost H1(Action<MemberHost>? change = null)
    {
        var h = new MemberHost
        {
            Name = "h1", Address = "10.20.0.11", DataDevices = ["/dev/vdb", "/dev/vdc"],
            ManagementInterface = "eth0", StorageInterface = "eth1", ComputeInterface = "eth2",
        };
        change?.Invoke(h);
        return h;
    }

    private static Task<HostReport> Inspect(PreflightTestHost captured, MemberHost? spec = null, PreflightRequirements? req = null) =>
        HostPreflight.InspectAsync(new RemoteHost(captured.Build()), spec ?? H1(), req ?? Lab, default);

    private static string OneProblem(HostReport report) => Assert.Single(report.Problems);

    [Fact]
    public async Task TheLabHostIsFitInOneRoundTrip()
    {
        var captured = new PreflightTestHost();
        var host = captured.Build();
        var r = await HostPreflight.InspectAsync(new RemoteHost(host), H1(), Lab, default);

        Assert.Empty(r.Problems);
        Assert.Equal(("h1", "h1", "debian", "12"), (r.Name, r.Hostname, r.OsId, r.OsVersion));
        Assert.Equal((24684100L * 1024, 2, false, false), (r.MemoryBytes, r.Cpus, r.HasVirtualizationFlags, r.HasDevKvm));
        Assert.Equal(("eth0", "eth1", "eth2"), (r.ManagementInterface, r.StorageInterface, r.ComputeInterface));
        Assert.Equal("10.20.0.11/24", r.ManagementAddress);
        Assert.Equal(["10.20.1.11/24"], r.InterfaceAddresses["eth1"]);
        Assert.Empty(r.InterfaceAddresses["eth2"]);
        Assert.False(r.InterfaceAddresses.ContainsKey("lo"));
        Assert.Equal(new Dictionary<string, string> { ["/dev/vdb"] = "/dev/loop0", ["/dev/vdc"] = "/dev/loop1" }, r.ResolvedDevices);
        Assert.Empty(r.ExistingOsds);
        // No KVM on the lab and domainType qemu set on purpose: nothing for the user to do, so no warning.
        Assert.Empty(r.Warnings);
        Assert.Equal(1, host.RoundTrips);
    }

    [Fact]
    public async Task InterfacesDefaultToTheOneHoldingTheSshAddressAndThenTheComputeNicClashes()
    {
        var r = await Inspect(new PreflightTestHost(), H1(h => (h.ManagementInterface, h.StorageInterface, h.ComputeInterface) = (null, null, null)));

        Assert.Equal(("eth0", "eth0", "eth0"), (r.ManagementInterface, r.StorageInterface, r.ComputeInterface));
        var p = OneProblem(r);
        Assert.StartsWith("Host h1: computeInterface defaults to the management interface eth0, which holds its SSH address 10.20.0.11.", p);
        Assert.Contains("Name a separate NIC for VM traffic in `computeInterface` (e.g. eth2, which is up and has no address)", p);
    }

    [Fact]
    public async Task AComputeInterfaceHoldingTheSshAddressIsAProblem()
    {
        var p = OneProblem(await Inspect(new PreflightTestHost(), H1(h => h.ComputeInterface = "eth0")));
        Assert.Contains("computeInterface eth0 holds its SSH address 10.20.0.11", p);
        Assert.Contains("cut the host off", p);
    }

    [Fact]
    public async Task AComputeInterfaceWithAnAddressIsOnlyAWarning()
    {
        var r = await Inspect(new PreflightTestHost(), H1(h => h.ComputeInterface = "eth1"));
        Assert.Empty(r.Problems);
        Assert.Contains(r.Warnings, w => w.Contains("computeInterface eth1 holds 10.20.1.11/24", StringComparison.Ordinal)
            && w.Contains("Ceph replication traffic then passes through the bridge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TooLittleMemoryNamesWhatTheHostHasAndWhatItNeeds()
    {
        var p = OneProblem(await Inspect(new PreflightTestHost(), req: Lab with { MinimumMemoryGiB = 16, MemoryPerOsdGiB = 8 }));
        Assert.StartsWith("Host h1 has 23.5 GiB of memory but needs at least 32 GiB: minimumMemoryGiB 16 + memoryPerOsdGiB 8 × 2 data devices", p);
        Assert.Contains("lower `minimumMemoryGiB` and `memoryPerOsdGiB`", p);
    }

    [Fact]
    public async Task WithoutCephOnlyTheMinimumCountsAndDevicesAreNotProbed()
    {
        var captured = new PreflightTestHost();
        var host = captured.Build();
        var r = await HostPreflight.InspectAsync(new RemoteHost(host), H1(), Lab with { Ceph = false,
            MinimumMemoryGiB = 27, MemoryPerOsdGiB = 64 }, default);

        Assert.Equal("Host h1 has 23.5 GiB of memory but needs at least 27 GiB (minimumMemoryGiB). Add memory; for a small lab, lower `minimumMemoryGiB` on the cluster.",
            OneProblem(r));
        Assert.Empty(r.ResolvedDevices);
        Assert.DoesNotContain(host.Calls, c => c[0] is "readlink" or "blkid");
    }

    [Fact]
    public async Task MemTotalJustUnderARoundMinimumPasses()
    {
        // 23.5 GiB of MemTotal is what a 24 GiB machine reports once the kernel has taken its share.
        Assert.Empty((await Inspect(new PreflightTestHost(), req: Lab with { MinimumMemoryGiB = 24, MemoryPerOsdGiB = 0 })).Problems);
    }

    [Fact]
    public async Task KvmWithoutVirtualisationFlagsTellsToUseQemu()
    {
        var p = OneProblem(await Inspect(new PreflightTestHost(), req: Lab with { DomainType = DomainType.Kvm }));
        Assert.Contains("neither vmx (Intel VT-x) nor svm (AMD-V)", p);
        Assert.Contains("set `domainType: qemu`", p);
    }

    [Fact]
    public async Task KvmWithFlagsButNoDevKvmTellsToLoadTheModule()
    {
        // The captured AMD CPU with svm added, as a host with AMD-V exposed would show it.
        var captured = new PreflightTestHost();
        captured.CpuInfo = captured.CpuInfo.Replace("flags\t\t: fpu ", "flags\t\t: svm fpu ", StringComparison.Ordinal);
        var p = OneProblem(await Inspect(captured, req: Lab with { DomainType = DomainType.Kvm }));
        Assert.Contains("no /dev/kvm", p);
        Assert.Contains("modprobe kvm_amd", p);

        captured.DevKvm = true;
        var r = await Inspect(captured, req: Lab with { DomainType = DomainType.Kvm });
        Assert.Empty(r.Problems);
        Assert.Empty(r.Warnings);
        Assert.True(r.HasVirtualizationFlags && r.HasDevKvm);

        // The same host with domainType qemu: the one case worth a warning, since setting kvm would help.
        r = await Inspect(captured);
        Assert.Contains("supports KVM, but domainType is qemu", Assert.Single(r.Warnings));
    }

    [Theory]
    [InlineData("PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\nVERSION_CODENAME=bullseye\nID=debian\n", "Debian GNU/Linux 11 (bullseye)")]
    [InlineData("PRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"20.04\"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=focal\n", "Ubuntu 20.04.6 LTS")]
    [InlineData("PRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\nNAME=\"Rocky Linux\"\nVERSION_ID=\"9.3\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "Rocky Linux 9.3 (Blue Onyx)")]
    public async Task AnUnsupportedOsIsAProblem(string osRelease, string pretty)
    {
        var p = OneProblem(await Inspect(new PreflightTestHost { OsRelease = osRelease }));
        Assert.Equal($"Host h1 runs {pretty}; cluster hosts must run Ubuntu 22.04, Ubuntu 24.04 or Debian 12. Reinstall it with one of them or remove it from `hosts`.", p);
    }

    [Theory]
    [InlineData("22.04")]
    [InlineData("24.04")]
    public async Task SupportedUbuntuReleasesPass(string version)
    {
        var r = await Inspect(new PreflightTestHost { OsRelease = $"NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"{version}\"\nPRETTY_NAME=\"Ubuntu {version} LTS\"\n" });
        Assert.Empty(r.Problems);
        Assert.Equal(("ubuntu", version), (r.OsId, r.OsVersion));
    }

    [Fact]
    public async Task AnotherArchitectureIsAProblem()
    {
        var p = OneProblem(await Inspect(new PreflightTestHost { Uname = "h1 6.1.0-18-arm64 aarch64\n" }));
        Assert.Contains("has the CPU architecture aarch64; cluster hosts must be 64-bit x86", p);
    }

    [Fact]
    public async Task ADeviceWithAFilesystemIsAProblem()
    {
        var captured = new PreflightTestHost();
        captured.Blkid["/dev/vdc"] = PreflightTestHost.Fixture("Blkid", "blkid-util-linux-2.38.1-ext4");
        var p = OneProblem(await Inspect(captured));
        Assert.Equal("Host h1: data device /dev/vdc (/dev/loop1) is not empty: it holds an ext4 filesystem. Ceph would overwrite it. " +
            "If its data is not needed, wipe it with `wipefs -a /dev/vdc` on h1, then run again; otherwise declare another device.", p);
    }

    [Fact]
    public async Task AMountedDeviceSaysToUnmountFirst()
    {
        var captured = new PreflightTestHost { Lsblk = PreflightTestHost.Fixture("HostFacts", "lsblk-util-linux-2.38.1-mounted.json") };
        captured.Blkid["/dev/vdc"] = PreflightTestHost.Fixture("Blkid", "blkid-util-linux-2.38.1-ext4");
        var p = OneProblem(await Inspect(captured));
        Assert.Contains("it holds an ext4 filesystem and is mounted at /mnt/pf", p);
        Assert.Contains("unmount it (`umount /mnt/pf`) and remove it from /etc/fstab and wipe it with `wipefs -a /dev/vdc`", p);
    }

    [Fact]
    public async Task APartitionTableIsAProblem()
    {
        var captured = new PreflightTestHost();
        captured.Blkid["/dev/vdb"] = PreflightTestHost.Fixture("Blkid", "blkid-util-linux-2.38.1-dos");
        Assert.Contains("/dev/vdb (/dev/loop0) is not empty: it holds a dos partition table", OneProblem(await Inspect(captured)));
    }

    [Fact]
    public async Task ADeviceInUseAsSwapIsAProblemAndNotAMount()
    {
        // An active swap area on a 16 MiB loop device: lsblk shows "[SWAP]", /proc/swaps lists it.
        var captured = new PreflightTestHost
        {
            Lsblk = PreflightTestHost.Fixture("HostFacts", "lsblk-util-linux-2.38.1-swap-on.json"),
            Swaps = PreflightTestHost.Fixture("HostFacts", "proc-swaps-linux-6.18-loop"),
        };
        captured.Links["/dev/vdb"] = "/dev/loop16";
        captured.Blkid["/dev/vdb"] = PreflightTestHost.Fixture("Blkid", "blkid-util-linux-2.38.1-swap");
        var r = await Inspect(captured, H1(h => h.DataDevices = ["/dev/vdb"]));

        var p = Assert.Single(r.Problems, p => p.Contains("is not empty", StringComparison.Ordinal));
        Assert.Contains("it holds a swap signature and is in use as swap", p);
        Assert.Contains("turn its swap off (`swapoff /dev/loop16`)", p);
        Assert.DoesNotContain("[SWAP]", p);
        Assert.Contains(r.Problems, p => p.Contains("has 16 MiB; Ceph needs at least 5 GiB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingDeviceAndANonBlockDeviceAreProblems()
    {
        var captured = new PreflightTestHost();
        captured.Links["/dev/vdd"] = "/root/disk.img";
        captured.NotBlockDevices.Add("/root/disk.img");
        var r = await Inspect(captured, H1(h => h.DataDevices = ["/dev/vdb", "/dev/vdz", "/dev/vdd"]));

        Assert.Equal(2, r.Problems.Count);
        Assert.StartsWith("Host h1 has no device /dev/vdz (in `dataDevices`): nothing exists at that path.", r.Problems[0]);
        Assert.Equal("Host h1: data device /dev/vdd (/root/disk.img) is not a block device. Name a whole disk, e.g. /dev/sdb or /dev/disk/by-id/….", r.Problems[1]);
        Assert.Equal(["/dev/vdb"], r.ResolvedDevices.Keys);
    }

    [Fact]
    public async Task TwoPathsToOneDiskAreAProblem()
    {
        var captured = new PreflightTestHost();
        captured.Links["/dev/disk/by-id/virtio-data1"] = "/dev/loop0";
        var r = await Inspect(captured, H1(h => h.DataDevices = ["/dev/vdb", "/dev/disk/by-id/virtio-data1"]));
        Assert.Equal("Host h1: data devices /dev/vdb and /dev/disk/by-id/virtio-data1 are the same disk (/dev/loop0). Declare each disk once in `dataDevices`.", OneProblem(r));
    }

    private static PreflightTestHost WithOsdOnVdb()
    {
        // /dev/vdb leads to the disk that ceph-volume reported as osd.1 in the captured run.
        var captured = new PreflightTestHost { CephVolumeRawList = "ceph-volume-16.2.15-raw-list-device" };
        captured.Links["/dev/vdb"] = "/dev/loop5";
        captured.Blkid["/dev/vdb"] = PreflightTestHost.Fixture("Blkid", "blkid-util-linux-2.38.1-ceph-bluestore");
        return captured;
    }

    [Fact]
    public async Task AnOsdOfThisClusterIsReportedNotRefused()
    {
        var captured = WithOsdOnVdb();
        var host = captured.Build();
        var r = await HostPreflight.InspectAsync(new RemoteHost(host), H1(),
            Lab with { ExistingFsid = LabFsid.ToUpperInvariant() }, default);

        Assert.Empty(r.Problems);
        Assert.Equal(new Dictionary<string, int> { ["/dev/vdb"] = 1 }, r.ExistingOsds);
        // ceph-volume crashes on symlinks, so it is asked about the kernel device.
        Assert.Contains(host.Calls, c => c is ["ceph-volume", "raw", "list", "--format", "json", "/dev/loop5"]);
    }

    [Fact]
    public async Task AnOsdOfAnotherClusterIsAProblem()
    {
        var other = await Inspect(WithOsdOnVdb(), req: Lab with { ExistingFsid = "11111111-2222-3333-4444-555555555555" });
        Assert.Empty(other.ExistingOsds);
        Assert.StartsWith($"Host h1: data device /dev/vdb (/dev/loop5) is osd.1 of another Ceph cluster (fsid {LabFsid}), not of this one (11111111-2222-3333-4444-555555555555).",
            OneProblem(other));

        var fresh = await Inspect(WithOsdOnVdb());
        Assert.StartsWith($"Host h1: data device /dev/vdb (/dev/loop5) is already osd.1 of Ceph cluster {LabFsid}. If that cluster and its data are gone, wipe the disk with `wipefs -a /dev/vdb` on h1",
            OneProblem(fresh));
    }

    [Fact]
    public async Task ABlueStoreLabelWithoutCephVolumeIsAProblem()
    {
        var captured = WithOsdOnVdb();
        captured.CephVolumeRawList = null;
        var p = OneProblem(await Inspect(captured, req: Lab with { ExistingFsid = LabFsid }));
        Assert.Contains("carries a Ceph BlueStore label", p);
        Assert.Contains("ceph-volume is not installed to tell which", p);
    }

    [Fact]
    public async Task AMissingNicIsAProblemThatListsTheHostsNics()
    {
        var p = OneProblem(await Inspect(new PreflightTestHost(), H1(h => h.StorageInterface = "eno2")));
        Assert.Equal("Host h1 has no network interface eno2 (storageInterface); its interfaces are eth0 10.20.0.11/24, eth1 10.20.1.11/24, eth2. Correct `storageInterface` for this host.", p);
    }

    [Fact]
    public async Task AStorageInterfaceWithoutAddressIsAProblemForCeph()
    {
        var spec = H1(h => (h.StorageInterface, h.ComputeInterface) = ("eth2", "eth1"));
        Assert.Contains("storageInterface eth2 has no IPv4 address", Assert.Single((await Inspect(new PreflightTestHost(), spec)).Problems));
        Assert.Empty((await Inspect(new PreflightTestHost(), spec, Lab with { Ceph = false })).Problems);
    }

    [Fact]
    public async Task ADhcpManagementAddressIsAProblem()
    {
        // eth0 holds 10.20.0.11/24 with a lease lifetime, as a DHCP client leaves it; eth9 has no address.
        var captured = new PreflightTestHost { IpAddr = PreflightTestHost.Fixture("HostFacts", "ip-addr-iproute2-6.1.0-dynamic.json") };
        var r = await Inspect(captured, H1(h => (h.ManagementInterface, h.StorageInterface, h.ComputeInterface) = (null, null, "eth9")));

        Assert.Equal("eth0", r.ManagementInterface);
        var p = OneProblem(r);
        Assert.StartsWith("Host h1: its management address 10.20.0.11/24 on eth0 is assigned by DHCP", p);
        Assert.Contains("configure the address statically", p);
    }

    [Fact]
    public async Task AHostNameIsResolvedOnTheHostToFindItsManagementInterface()
    {
        var captured = new PreflightTestHost();
        captured.Getent["h1"] = PreflightTestHost.Fixture("HostFacts", "getent-glibc-2.36-ahosts");
        var r = await Inspect(captured, H1(h => (h.Address, h.ManagementInterface) = ("h1", null)));
        Assert.Empty(r.Problems);
        Assert.Equal(("eth0", "10.20.0.11/24"), (r.ManagementInterface, r.ManagementAddress));

        var unresolved = await Inspect(new PreflightTestHost(), H1(h => (h.Address, h.ManagementInterface) = ("h1.example", null)));
        var p = OneProblem(unresolved);
        Assert.StartsWith("Host h1: its SSH address h1.example (which does not resolve on the host) is on none of its interfaces", p);
        Assert.Contains("Set `managementInterface`", p);
    }

    [Fact]
    public async Task AForwardedAddressNeedsAnExplicitManagementInterface()
    {
        // Reached through a port forward on 127.0.0.1: loopback never counts as the management NIC.
        var r = await Inspect(new PreflightTestHost(), H1(h => (h.Address, h.ManagementInterface) = ("127.0.0.1", null)));
        Assert.Contains("its SSH address 127.0.0.1 is on none of its interfaces (eth0 10.20.0.11/24, eth1 10.20.1.11/24, eth2)", OneProblem(r));

        var named = await Inspect(new PreflightTestHost(), H1(h => h.Address = "127.0.0.1"));
        Assert.Empty(named.Problems);
        Assert.Equal("10.20.0.11/24", named.ManagementAddress);
    }

    [Fact]
    public async Task DescribeListsEveryProblemOfEveryHostAndClashesBetweenThem()
    {
        var h1 = await Inspect(new PreflightTestHost(), req: Lab with { DomainType = DomainType.Kvm });
        var h2 = await HostPreflight.InspectAsync(new RemoteHost(new PreflightTestHost().Build("h2")),
            H1(h => (h.Name, h.StorageInterface) = ("h2", "eno2")), Lab, default);
        var fit = await Inspect(new PreflightTestHost());

        var message = HostPreflight.Describe([h1, h2]);
        Assert.StartsWith("2 of 2 hosts cannot become cluster hosts yet (h1, h2); nothing was changed on any host. Fix the following and run again:", message);
        Assert.Contains("\n  - Host h1 has no hardware virtualisation", message);
        Assert.Contains("\n  - Host h2 has no network interface eno2", message);
        // Both captures are of the machine named h1: as two cluster hosts they would clash in Ceph.
        Assert.Contains("\n  - Hosts h1, h2 all have the hostname `h1`", message);
        Assert.False(HostPreflight.AllFit([fit, h2 with { Problems = [] }]));

        Assert.True(HostPreflight.AllFit([fit]));
        Assert.Equal("the host passed the preflight checks", HostPreflight.Describe([fit]));
    }
}
