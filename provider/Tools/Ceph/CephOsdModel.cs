namespace Mvm.Tools;

/// <summary>`ceph osd tree`: CRUSH buckets and OSDs; <see cref="Stray"/> are OSDs outside the CRUSH map.</summary>
public sealed record OsdTree(IReadOnlyList<CrushBucket> Buckets, IReadOnlyList<OsdTreeOsd> Osds,
    IReadOnlyList<OsdTreeOsd> Stray)
{
    public IEnumerable<CrushBucket> Hosts => Buckets.Where(b => b.Type == "host");

    public CrushBucket? FindBucket(string name) => Buckets.FirstOrDefault(b => b.Name == name);

    public OsdTreeOsd? FindOsd(int id) => Osds.Concat(Stray).FirstOrDefault(o => o.Id == id);

    public IReadOnlyList<OsdTreeOsd> OsdsOnHost(string host) => Osds.Where(o => o.Host == host).ToList();
}

/// <summary>A CRUSH bucket (root, host, rack …); negative id; children are bucket or OSD ids.</summary>
public sealed record CrushBucket(int Id, string Name, string Type, IReadOnlyList<int> Children);

/// <summary>
/// One OSD as the tree shows it. Status is "up", "down" or "destroyed"; reweight 0 means out.
/// <see cref="Host"/> is the CRUSH host bucket it sits under (null for a stray OSD).
/// </summary>
public sealed record OsdTreeOsd(int Id, string Name, string? DeviceClass, double CrushWeight, double Reweight,
    string Status, bool Exists,
    double PrimaryAffinity, string? Host)
{
    public bool Up => Status == "up";
    public bool In => Reweight > 0;
}

/// <summary>
/// `ceph osd dump`, reduced to what removal and capacity checks need: the fullness ratios (an OSD
/// above <see cref="NearfullRatio"/> warns, above <see cref="FullRatio"/> stops writes), the
/// cluster flags and the ids in the OSD map.
/// </summary>
public sealed record OsdDump(int Epoch, double FullRatio, double BackfillfullRatio, double NearfullRatio,
    IReadOnlyList<string> Flags,
    IReadOnlyList<int> OsdIds);

/// <summary>`ceph osd df`, in bytes.</summary>
public sealed record OsdDf(IReadOnlyList<OsdUsage> Osds, long TotalBytes, long UsedBytes, long AvailBytes,
    double AverageUtilizationPercent)
{
    public OsdUsage? Find(int id) => Osds.FirstOrDefault(o => o.Id == id);
}

public sealed record OsdUsage(int Id, string Name, string? DeviceClass, double CrushWeight, double Reweight,
    long SizeBytes, long UsedBytes,
    long AvailBytes, double UtilizationPercent, int Pgs, string Status);

/// <summary>
/// The answer of `ceph osd ok-to-stop`. <see cref="Ok"/> false is "not now" (Ceph's EBUSY/EAGAIN,
/// named in <see cref="Errno"/>), with Ceph's <see cref="Reason"/> and the PGs that would go
/// offline: wait for recovery and ask again.
/// </summary>
public sealed record OkToStopResult(
    bool Ok,
    IReadOnlyList<int> Osds,
    int OkPgs,
    int NotOkPgs,
    IReadOnlyList<string> BadBecomeInactive,
    IReadOnlyList<string> BadAlreadyInactive,
    IReadOnlyList<string> OkBecomeDegraded,
    string? Errno,
    string? Reason);

/// <summary>
/// The answer of `ceph osd safe-to-destroy`: <see cref="Safe"/> when every OSD asked about is in
/// <see cref="SafeToDestroy"/>; otherwise "not yet", with the OSDs that still serve PGs
/// (<see cref="Active"/>), store PG data (<see cref="StoredPgs"/>) or lack stats (<see cref="MissingStats"/>).
/// </summary>
public sealed record SafeToDestroyResult(
    bool Safe,
    IReadOnlyList<int> SafeToDestroy,
    IReadOnlyList<int> Active,
    IReadOnlyList<int> MissingStats,
    IReadOnlyList<int> StoredPgs,
    string? Errno,
    string? Reason);
