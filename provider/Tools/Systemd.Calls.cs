namespace Mvm.Tools;

/// <summary>
/// systemctl commands as <see cref="ToolCall{T}"/>s for a <see cref="ToolBatch"/> (or one alone):
/// a daemon's store made and its units enabled in one round trip.
/// </summary>
public sealed partial class Systemd
{
    /// <summary>
    /// `systemctl enable [--now] UNIT…`: several units at once (targets with their instance).
    /// Without `--`: every name is checked first, and none can start with '-'.
    /// </summary>
    public static ToolCall<bool> Enable(IReadOnlyList<string> units, bool now = false)
    {
        if (units.Count == 0) throw new ArgumentException("no units to enable", nameof(units));
        foreach (var u in units) Systemd.ValidateUnit(u);
        return new(["systemctl", "enable", .. now ? new[] { "--now" } : [], .. units], null,
            r => Systemd.Check(r, units.Count == 1 ? units[0] : null) is not null);
    }

    /// <summary>`systemctl disable [--now] -- UNIT` (see <see cref="Systemd.DisableAsync"/>).</summary>
    public static ToolCall<bool> Disable(string unit, bool now) =>
        new(Systemd.Argv("disable", unit, now), null, r => Systemd.Check(r, unit) is not null);

    /// <summary>
    /// `systemctl show` of several units (see <see cref="Systemd.ShowAsync(IReadOnlyList{string}, TimeSpan,
    /// CancellationToken)"/>).
    /// </summary>
    public static ToolCall<IReadOnlyList<UnitStatus>> Show(IReadOnlyList<string> units) =>
        new(Systemd.ShowArgv(units), null,
            r => Systemd.ParseShow(Systemd.Check(r, units.Count == 1 ? units[0] : null).StdoutText));

    /// <summary>
    /// `systemctl is-active --quiet UNIT`: true when it runs (exit code only; a missing unit is not running).
    /// </summary>
    public static ToolCall<bool> IsActive(string unit)
    {
        Systemd.ValidateUnit(unit);
        return new(["systemctl", "is-active", "--quiet", unit], null, r => r.ExitCode == 0);
    }

    /// <summary>
    /// `systemd-detect-virt --container`: the container technology the host runs in, `none` on bare metal or a VM.
    /// </summary>
    public static ToolCall<string> DetectContainer() =>
        new(["systemd-detect-virt", "--container"], null, r => r.StdoutText.Trim());

    /// <summary>
    /// `journalctl -u UNIT -n LINES --no-pager -o cat`: the unit's last messages, for an error that shows why it
    /// failed.
    /// </summary>
    public static ToolCall<string> JournalTail(string unit, int lines)
    {
        Systemd.ValidateUnit(unit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lines);
        return new(["journalctl", "-u", unit, "-n", lines.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--no-pager", "-o", "cat"], null,
            r => r.StdoutText);
    }
}
