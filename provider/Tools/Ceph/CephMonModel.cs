namespace Mvm.Tools;

/// <summary>`ceph mon dump`: the monitor map; <see cref="Quorum"/> holds ranks.</summary>
public sealed record MonMap(int Epoch, string Fsid, IReadOnlyList<MonInfo> Mons, IReadOnlyList<int> Quorum)
{
    public MonInfo? Find(string name) => Mons.FirstOrDefault(m => m.Name == name);

    public bool InQuorum(string name) => Find(name) is { } m && Quorum.Contains(m.Rank);
}

/// <summary>One monitor: its msgr2 (v2, port 3300) and legacy (v1, port 6789) addresses.</summary>
public sealed record MonInfo(int Rank, string Name, IReadOnlyList<MonAddress> Addresses, string? LegacyAddress)
{
    /// <summary>The IP address the monitor listens on (from its first address, without the port).</summary>
    public string? Ip =>
        Addresses.FirstOrDefault()?.Address is { } a
        && a.LastIndexOf(':') is var colon and > 0 ? a[..colon].Trim('[', ']') : null;
}

/// <summary>An address vector entry: type "v2" or "v1", address "10.20.1.13:3300".</summary>
public sealed record MonAddress(string Type, string Address);
