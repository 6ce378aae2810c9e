using Mvm.Tests.Unit.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>Systemd argv, `systemctl show` parsing and error mapping, over output captured from systemd 252 on a lab host (Fixtures/Systemd).</summary>
public class SystemdTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Systemd", name));

    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);

    [Fact]
    public void BuildsArgvWithTheUnitAfterDoubleDash()
    {
        Assert.Equal(["systemctl", "start", "--", "openvswitch-switch"], Systemd.Argv("start", "openvswitch-switch"));
        Assert.Equal(["systemctl", "enable", "--now", "--", "ovs-vswitchd.service"], Systemd.Argv("enable", "ovs-vswitchd.service", now: true));
        Assert.Equal(["systemctl", "show", "--timestamp=utc", "-p",
            "Id,Description,LoadState,ActiveState,SubState,UnitFileState,MainPID,ExecMainStatus,Result,NeedDaemonReload,FragmentPath,ActiveEnterTimestamp,LoadError",
            "--", "a.service", "ceph-osd@3.service"], Systemd.ShowArgv(["a.service", "ceph-osd@3.service"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-now")]
    [InlineData("a b.service")]
    [InlineData("x;reboot")]
    [InlineData("unit$(id)")]
    public void RefusesWhatIsNotAUnitName(string unit) =>
        Assert.Throws<ArgumentException>(() => Systemd.Argv("start", unit));

    [Fact]
    public void ParsesShowForSeveralUnitsWhateverThePropertyOrder()
    {
        // systemd prints the properties in its own order, not the order asked for.
        var units = Systemd.ParseShow(Fixture("systemctl-252-show.txt"));
        Assert.Equal(["openvswitch-switch.service", "ovs-vswitchd.service", "no-such-unit-mvm.service"], units.Select(u => u.Id));

        var ovs = units[0];
        Assert.Equal(("Open vSwitch", UnitLoadState.Loaded, UnitActiveState.Active, "exited", "enabled"),
            (ovs.Description, ovs.LoadState, ovs.ActiveState, ovs.SubState, ovs.UnitFileState));
        Assert.True(ovs.IsActive && ovs.IsEnabled && ovs.Exists && !ovs.IsMasked);
        Assert.Null(ovs.MainPid); // a oneshot that exited has MainPID=0
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 6, 59, 47, TimeSpan.Zero), ovs.ActiveEnterTimestamp);
        Assert.Equal("/lib/systemd/system/openvswitch-switch.service", ovs.FragmentPath);
        Assert.Null(ovs.LoadError);

        var vswitchd = units[1];
        Assert.Equal((758, "running", "static"), (vswitchd.MainPid, vswitchd.SubState, vswitchd.UnitFileState));
        Assert.False(vswitchd.IsEnabled); // static: started by another unit, not enabled itself

        var missing = units[2];
        Assert.Equal(UnitLoadState.NotFound, missing.LoadState);
        Assert.False(missing.Exists);
        Assert.Null(missing.FragmentPath);
        Assert.Null(missing.ActiveEnterTimestamp);
        Assert.Equal("org.freedesktop.systemd1.NoSuchUnit \"Unit no-such-unit-mvm.service not found.\"", missing.LoadError);
    }

    [Fact]
    public void ParsesMaskedAndFailedUnits()
    {
        var masked = Assert.Single(Systemd.ParseShow(Fixture("systemctl-252-show-masked-missing.txt")));
        Assert.Equal((UnitLoadState.Masked, "masked"), (masked.LoadState, masked.UnitFileState));
        Assert.True(masked.IsMasked);

        var failed = Assert.Single(Systemd.ParseShow(Fixture("systemctl-252-show-failed.txt")));
        Assert.Equal((UnitActiveState.Failed, "failed", "exit-code", 1), (failed.ActiveState, failed.SubState, failed.Result, failed.ExecMainStatus));
        Assert.Equal("mvm capture: always fails", failed.Description);
    }

    [Fact]
    public async Task ShowOfAMissingUnitIsObjectNotFound()
    {
        var block = Fixture("systemctl-252-show.txt").Split("\n\n")[2];
        var host = new CannedHost(0, block);
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => new Systemd(host).ShowAsync("no-such-unit-mvm.service", T, default));
        Assert.Equal(("unit", "no-such-unit-mvm.service", "systemctl"), (e.Kind, e.Name, e.Tool));
        Assert.Contains("NoSuchUnit", e.Message);
        // The many-unit form reports it instead, so one missing unit does not hide the others.
        Assert.False(Assert.Single(await new Systemd(host).ShowAsync(["no-such-unit-mvm.service"], T, default)).Exists);
    }

    public static TheoryData<string, int, Func<Systemd, Task>> NotFoundCases => new()
    {
        { "systemctl-252-start-not-found.stderr", 5, s => s.StartAsync("no-such-unit-mvm.service", T, default) },
        { "systemctl-252-stop-not-found.stderr", 5, s => s.StopAsync("no-such-unit-mvm.service", T, default) },
        { "systemctl-252-restart-not-found.stderr", 5, s => s.RestartAsync("no-such-unit-mvm.service", T, default) },
        { "systemctl-252-enable-not-found.stderr", 1, s => s.EnableAsync("no-such-unit-mvm.service", false, T, default) },
        { "systemctl-252-enable-now-not-found.stderr", 1, s => s.EnableAsync("no-such-unit-mvm.service", true, T, default) },
        { "systemctl-252-disable-not-found.stderr", 1, s => s.DisableAsync("no-such-unit-mvm.service", false, T, default) },
        { "systemctl-252-is-enabled-not-found.stderr", 1, s => s.IsEnabledAsync("no-such-unit-mvm.service", T, default) },
    };

    [Theory]
    [MemberData(nameof(NotFoundCases))]
    public async Task EveryCommandMapsItsNotFoundWording(string stderr, int exit, Func<Systemd, Task> call)
    {
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => call(new Systemd(new CannedHost(exit, "", Fixture(stderr)))));
        Assert.Equal(("unit", "no-such-unit-mvm.service"), (e.Kind, e.Name));
    }

    [Fact]
    public void RecognisesNewerSystemdWording() =>
        Assert.Throws<ObjectNotFoundException>(() => Systemd.Check(new CommandResult("h4", ["systemctl", "status", "--", "no-such.service"], 4, [],
            "Unit no-such.service could not be found.\n"u8.ToArray()), "no-such.service"));

    [Fact]
    public async Task AUnitThatFailsToStartIsACommandFailureWithStderr()
    {
        var host = new CannedHost(1, "", Fixture("systemctl-252-start-failed.stderr"));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => new Systemd(host).StartAsync("mvm-capture-fail.service", T, default));
        Assert.Equal(["systemctl", "start", "--", "mvm-capture-fail.service"], e.Argv);
        Assert.Contains("journalctl -xeu mvm-capture-fail.service", e.Message);
    }

    [Fact]
    public async Task ReadsStatesFromIsActiveAndIsEnabled()
    {
        Assert.Equal(UnitActiveState.Failed, await new Systemd(new CannedHost(3, "failed\n")).IsActiveAsync("x.service", T, default));
        Assert.Equal(UnitActiveState.Active, await new Systemd(new CannedHost(0, "active\n")).IsActiveAsync("x.service", T, default));
        Assert.Equal("disabled", await new Systemd(new CannedHost(1, "disabled\n")).IsEnabledAsync("x.service", T, default));
        Assert.Equal("static", await new Systemd(new CannedHost(0, "static\n")).IsEnabledAsync("x.service", T, default));
    }

    [Fact]
    public async Task AMissingSystemctlSaysWhichPackage()
    {
        var e = await Assert.ThrowsAsync<ToolMissingException>(() => new Systemd(new CannedHost(127, "", "bash: systemctl: command not found\n")).DaemonReloadAsync(T, default));
        Assert.Equal(("systemctl", "systemd"), (e.Tool, e.Package));
    }
}
