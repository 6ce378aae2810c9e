namespace Mvm.Tools;

/// <summary>What a host is, as the provider needs to know it before changing anything on it.</summary>
public sealed record HostFactsResult(
    string Hostname,
    string KernelRelease,
    string Architecture,
    OsRelease Os,
    CpuInfo Cpu,
    MemoryInfo Memory,
    bool KvmDevice,
    IReadOnlyList<BlockDevice> BlockDevices,
    IReadOnlyList<NetworkInterface> Interfaces)
{
    /// <summary>
    /// The short hostname, as `hostname -s` prints it: the node name cut at the first dot. Ceph
    /// names its CRUSH host bucket and daemons after it.
    /// </summary>
    public string ShortHostname => Hostname.Split('.', 2)[0];

    /// <summary>The devices asked for in <see cref="HostFactsRequest.Devices"/>, in that order.</summary>
    public IReadOnlyList<DeviceProbe> Devices { get; init; } = [];

    /// <summary>
    /// Kernel paths of the block devices in use as swap (/proc/swaps); read only when devices were asked for.
    /// </summary>
    public IReadOnlyList<string> SwapDevices { get; init; } = [];

    /// <summary>
    /// Each name of <see cref="HostFactsRequest.Names"/> → the addresses the host's resolver gives it (empty when it
    /// does not resolve).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ResolvedNames { get; init; } = new
        Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Finds a block device (or partition) by path, e.g. `/dev/vdb` or `/dev/loop3`.</summary>
    public BlockDevice? FindBlockDevice(string path) => Flatten(BlockDevices).FirstOrDefault(d => d.Path == path);

    public NetworkInterface? FindInterface(string name) => Interfaces.FirstOrDefault(i => i.Name == name);

    private static IEnumerable<BlockDevice> Flatten(IEnumerable<BlockDevice> devices) =>
        devices.SelectMany(d => new[] { d }.Concat(Flatten(d.Children)));
}

/// <summary>/etc/os-release: ID (`debian`, `ubuntu`), VERSION_ID (`12`, `24.04`), codename.</summary>
public sealed record OsRelease(string Id, string VersionId, string? VersionCodename, string PrettyName,
    IReadOnlyList<string> IdLike)
{
    public bool IsDebianFamily => Id == "debian" || IdLike.Contains("debian");
}

/// <summary>/proc/cpuinfo: how many CPUs and whether they offer hardware virtualisation (vmx/svm).</summary>
public sealed record CpuInfo(int LogicalCpus, string? ModelName, bool Vmx, bool Svm)
{
    public bool HardwareVirtualization => Vmx || Svm;
}

/// <summary>/proc/meminfo, in bytes.</summary>
public sealed record MemoryInfo(long TotalBytes, long AvailableBytes);

/// <summary>One device of `lsblk -J -b`; partitions and holders are its children.</summary>
public sealed record BlockDevice(
    string Name,
    string Path,
    string Type,
    long SizeBytes,
    bool ReadOnly,
    string? FsType,
    IReadOnlyList<string> MountPoints,
    string? Model,
    string? Serial,
    IReadOnlyList<BlockDevice> Children)
{
    /// <summary>No filesystem or signature, no mounts, no partitions or holders: safe to hand to Ceph.</summary>
    public bool IsBlank => FsType is null && MountPoints.Count == 0 && Children.Count == 0;
}

/// <summary>One link of `ip -j addr`.</summary>
public sealed record NetworkInterface(string Name, string? MacAddress, int Mtu, string OperState,
    IReadOnlyList<string> Flags, IReadOnlyList<InterfaceAddress> Addresses)
{
    public bool IsUp => Flags.Contains("UP");
}

/// <summary>
/// An address on an interface: family `inet` or `inet6`, e.g. 10.20.0.11/24. <see cref="Dynamic"/>
/// is iproute2's "dynamic": the address has a lifetime (a DHCP or SLAAC lease), so it may change.
/// </summary>
public sealed record InterfaceAddress(string Family, string Address, int PrefixLength, bool Dynamic = false)
{
    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>
/// One block device path probed on the host: where it leads (`readlink -e`), whether that is a
/// block device (`test -b`), and the signatures libblkid finds on it by reading the device itself
/// (`blkid -p`), which works where lsblk's FSTYPE (from the udev database) is empty, e.g. in
/// containers and right after mkfs.
/// </summary>
public sealed record DeviceProbe(string Path, string? KernelPath, bool IsBlockDevice,
    IReadOnlyDictionary<string, string> Signature, bool AmbivalentSignature)
{
    public bool Exists => KernelPath is not null;

    /// <summary>blkid's TYPE: a filesystem, `swap`, `LVM2_member`, `ceph_bluestore` …</summary>
    public string? SignatureType => Signature.GetValueOrDefault("TYPE");

    /// <summary>blkid's PTTYPE: a partition table (`dos`, `gpt`).</summary>
    public string? PartitionTableType => Signature.GetValueOrDefault("PTTYPE");

    /// <summary>The device starts with a BlueStore label: it is (or was) a Ceph OSD.</summary>
    public bool IsCephBlueStore => SignatureType == "ceph_bluestore";

    /// <summary>libblkid found nothing on it: no filesystem, partition table or other signature.</summary>
    public bool HasNoSignature => SignatureType is null && PartitionTableType is null && !AmbivalentSignature;
}

/// <summary>What <see cref="HostFacts"/> reads besides the fixed facts, in the same round trip.</summary>
public sealed record HostFactsRequest
{
    public static HostFactsRequest None { get; } = new();

    /// <summary>Absolute device paths (symlinks allowed) to probe; asking for any also reads /proc/swaps.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    /// <summary>Host names to resolve with the host's own resolver (`getent ahosts`).</summary>
    public IReadOnlyList<string> Names { get; init; } = [];
}
