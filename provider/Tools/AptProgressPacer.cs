namespace Mvm.Tools;

/// <summary>
/// Decides which of apt's progress readings to pass on while apt-get runs: every change, and the
/// latest reading again once <see cref="Heartbeat"/> has passed without one, so a long unpack, a
/// slow download or a wait for another apt's lock still shows at least one line every few seconds.
/// Each reading passed on carries the time since the run started.
/// </summary>
internal sealed class AptProgressPacer(AptPhase phase, DateTime started, TimeSpan heartbeat)
{
    private readonly DateTime _started = started;
    private AptProgress? _seen;
    private AptProgress? _sent;
    private DateTime _sentAt;

    /// <summary>
    /// The reading to report at <paramref name="now"/> given the latest one (null: apt said nothing new), or null for
    /// none.
    /// </summary>
    public AptProgress? Next(AptProgress? reading, DateTime now)
    {
        if (reading is not null) _seen = reading;
        // Before apt's first line: what it is doing is starting.
        var current = _seen ?? new AptProgress(phase, 0, "starting apt-get");
        if (_sent is not null && current == _sent && now - _sentAt < heartbeat) return null;
        if (_sent is null && reading is null && now - _started < heartbeat) return null;
        _sent = current;
        _sentAt = now;
        return current with { Elapsed = now - _started };
    }
}
