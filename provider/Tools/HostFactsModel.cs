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
    /// <summary>Finds a block device (or partition) by path, e.g. `/dev/vdb` or `/dev/loop3`.</summary>
    public BlockDevice? FindBlockDevice(string path) => Flatten(BlockDevices).FirstOrDefault(d => d.Path == path);

    public NetworkInterface? FindInterface(string name) => Interfaces.FirstOrDefault(i => i.Name == name);

    private static IEnumerable<BlockDevice> Flatten(IEnumerable<BlockDevice> devices) =>
        devices.SelectMany(d => new[] { d }.Concat(Flatten(d.Children)));
}

/// <summary>/etc/os-release: ID (`debian`, `ubuntu`), VERSION_ID (`12`, `24.04`), codename.</summary>
public sealed record OsRelease(string Id, string VersionId, string? VersionCodename, string PrettyName, IReadOnlyList<string> IdLike)
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
public sealed record NetworkInterface(string Name, string? MacAddress, int Mtu, string OperState, IReadOnlyList<string> Flags, IReadOnlyList<InterfaceAddress> Addresses)
{
    public bool IsUp => Flags.Contains("UP");
}

/// <summary>An address on an interface: family `inet` or `inet6`, e.g. 10.20.0.11/24.</summary>
public sealed record InterfaceAddress(string Family, string Address, int PrefixLength)
{
    public override string ToString() => $"{Address}/{PrefixLength}";
}
