using Mvm.Core;
namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>`ceph mon dump`: the monitor map (names, ranks, addresses) and which ranks are in quorum.</summary>
    public async Task<MonMap> MonDumpAsync(CancellationToken ct)
    {
        var r = await RunCheckedAsync(["mon", "dump"], "cluster", "mon dump", ct).ConfigureAwait(false);
        return ParseMonDump(r.StdoutText);
    }

    /// <summary>
    /// `ceph mon add NAME IP`: puts a new monitor in the map (msgr2 and legacy ports) before its daemon first starts.
    /// </summary>
    public async Task MonAddAsync(string name, System.Net.IPAddress address, CancellationToken ct)
    {
        var r = await RunAsync(["mon", "add", CheckName(name, "monitor name"), address.ToString()], ct)
            .ConfigureAwait(false);
        if (r.ExitCode != 0 && r.ExitCode != CephErrno.EEXIST) throw CephFailure.Failed(r);
    }

    /// <summary>
    /// `ceph mon remove NAME`, after the monitor's daemon is stopped. Ceph refuses to remove the last
    /// monitor (<see cref="PreconditionFailedException"/>); a monitor already gone is
    /// <see cref="RemovalOutcome.AlreadyAbsent"/>.
    /// </summary>
    public async Task<RemovalOutcome> MonRemoveAsync(string name, CancellationToken ct)
    {
        var r = await RunAsync(["mon", "remove", CheckName(name, "monitor name")], ct).ConfigureAwait(false);
        if (r.ExitCode == CephErrno.EINVAL && r.StderrText.Contains("last monitor", StringComparison.Ordinal))
            throw new
                PreconditionFailedException($"Ceph on {_host.Name} refused to remove " +
                $"monitor {name}: {CephFailure.Reason(r)}. A cluster needs at least one monitor.");
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
        return Removal(r);
    }

    public static MonMap ParseMonDump(string json)
    {
        using var doc = CephJson.Parse(json, "ceph mon dump");
        var root = doc.RootElement;
        var mons = root.Arr("mons").Select(m => new MonInfo(
            m.Int("rank"),
            m.Str("name") ?? "",
            m.Obj("public_addrs").Arr("addrvec").Select(a => new MonAddress(a.Str("type") ?? "", a.Str("addr") ?? ""))
                .ToList(),
            m.Str("public_addr"))).ToList();
        return new MonMap(root.Int("epoch"), root.RequiredStr("fsid", "ceph mon dump"), mons, root.Ints("quorum"));
    }
}
