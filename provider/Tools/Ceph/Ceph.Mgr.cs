namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>
    /// `ceph mgr fail NAME`: drops a manager from the manager map at once (a standby goes; an active
    /// one hands over to a standby) instead of after the beacon grace. A manager not in the map is
    /// <see cref="RemovalOutcome.AlreadyAbsent"/>: Ceph answers "Daemon not found" and exits 0.
    /// </summary>
    public async Task<RemovalOutcome> MgrFailAsync(string name, CancellationToken ct)
    {
        var r = await RunAsync(["mgr", "fail", CheckName(name, "manager name")], ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
        return r.StderrText.Contains("not found", StringComparison.Ordinal) ? RemovalOutcome.AlreadyAbsent
            : RemovalOutcome.Removed;
    }
}
