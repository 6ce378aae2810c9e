using System.Diagnostics;
using System.Globalization;

namespace Mvm.Cluster;

/// <summary>
/// Where the time of a long operation went, phase by phase, for the info line the engine shows
/// (and the lab tests read): "12.3 s: inspect and plan 2.1 s, install 0.8 s, …". A phase met
/// twice (two hosts leaving) adds up under one name.
/// </summary>
public sealed class PhaseClock
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Name, TimeSpan Took)> _phases = [];
    private TimeSpan _mark;

    public void Lap(string name)
    {
        var now = _clock.Elapsed;
        var i = _phases.FindIndex(p => p.Name == name);
        if (i >= 0) _phases[i] = (name, _phases[i].Took + (now - _mark));
        else _phases.Add((name, now - _mark));
        _mark = now;
    }

    public IReadOnlyList<(string Name, TimeSpan Took)> Phases => _phases;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{_clock.Elapsed.TotalSeconds:0.0} s: " +
            $"{string.Join(", ", _phases.Select(p =>
                string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Took.TotalSeconds:0.0} s")))}");
}
