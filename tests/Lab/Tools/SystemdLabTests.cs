using Xunit.Abstractions;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>The Systemd client driving real units on h1 (OVS, installed by the Apt client, and a unit the test writes), checked with systemctl on the host.</summary>
[Collection(LabCollection.Name)]
public sealed class SystemdLabTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private const string Ovs = "openvswitch-switch.service";

    private string HostSays(params string[] argv) => lab.Exec(lab.H1, argv).Output.Trim();

    [Fact]
    public async Task StopsDisablesEnablesStartsAndInspectsOpenVSwitch()
    {
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        await LabPackages.EnsureAsync(host, output);
        var systemd = new Systemd(host);
        try
        {
            await systemd.DisableAsync(Ovs, now: true, T, default);
            Assert.Equal("inactive", HostSays("systemctl", "is-active", Ovs));
            Assert.Equal("disabled", HostSays("systemctl", "is-enabled", Ovs));
            Assert.Equal(UnitActiveState.Inactive, await systemd.IsActiveAsync(Ovs, T, default));
            Assert.Equal("disabled", await systemd.IsEnabledAsync(Ovs, T, default));

            await systemd.EnableAsync(Ovs, now: true, T, default);
            Assert.Equal("active", HostSays("systemctl", "is-active", Ovs));
            Assert.Equal("enabled", HostSays("systemctl", "is-enabled", Ovs));

            var status = await systemd.ShowAsync(Ovs, T, default);
            Assert.Equal((UnitLoadState.Loaded, UnitActiveState.Active, "enabled"), (status.LoadState, status.ActiveState, status.UnitFileState));
            Assert.True(status.IsEnabled);
            Assert.NotNull(status.ActiveEnterTimestamp);
            Assert.Equal("/lib/systemd/system/openvswitch-switch.service", status.FragmentPath);

            // The daemon it pulls in: its MainPID is the process on the host, and a restart replaces it.
            var vswitchd = await systemd.ShowAsync("ovs-vswitchd.service", T, default);
            Assert.Equal(UnitActiveState.Active, vswitchd.ActiveState);
            Assert.Equal(HostSays("systemctl", "show", "-p", "MainPID", "--value", "ovs-vswitchd.service"), vswitchd.MainPid.ToString());
            await systemd.RestartAsync("ovs-vswitchd.service", T, default);
            var restarted = await systemd.ShowAsync("ovs-vswitchd.service", T, default);
            Assert.True(restarted is { IsActive: true, MainPid: > 0 });
            Assert.NotEqual(vswitchd.MainPid, restarted.MainPid);

            await systemd.StopAsync(Ovs, T, default);
            Assert.Equal("inactive", HostSays("systemctl", "is-active", Ovs));
            await systemd.StartAsync(Ovs, T, default);
            Assert.Equal("active", HostSays("systemctl", "is-active", Ovs));
        }
        finally
        {
            // Leave OVS as the other tests expect it: enabled and running.
            lab.Exec(lab.H1, "systemctl", "enable", "--now", Ovs);
        }
    }

    [Fact]
    public async Task DrivesAUnitFileTheProviderWritesAndMasksIt()
    {
        const string unit = "mvm-lab-test.service";
        // Where a package's units live (systemd refuses to mask a unit whose file is in /etc):
        // the mask then goes to /etc/systemd/system, as it would for a real packaged unit.
        const string path = "/usr/local/lib/systemd/system/" + unit;
        const string mask = "/etc/systemd/system/" + unit;
        await using var transport = new SshTransport();
        // As the sudo user: the client's commands must work through `sudo -n` as well as for root.
        var host = transport.Host(lab.Target(lab.H1, c => c.SshUser = "mvm"));
        var systemd = new Systemd(host);
        try
        {
            await host.RunCheckedAsync(["mkdir", "-p", "/usr/local/lib/systemd/system"], T, default);
            await host.RunCheckedAsync(["tee", path], T, default, stdin:
                "[Unit]\nDescription=mvm lab test unit\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"u8.ToArray());
            await systemd.DaemonReloadAsync(T, default);
            await systemd.EnableAsync(unit, now: true, T, default);
            Assert.Equal("active", HostSays("systemctl", "is-active", unit));
            Assert.Equal(0, lab.Exec(lab.H1, "test", "-L", "/etc/systemd/system/multi-user.target.wants/" + unit).Exit);
            var status = await systemd.ShowAsync(unit, T, default);
            Assert.Equal(("mvm lab test unit", "exited", "success", path), (status.Description, status.SubState, status.Result, status.FragmentPath));

            await systemd.DisableAsync(unit, now: true, T, default);
            Assert.Equal("inactive", HostSays("systemctl", "is-active", unit));

            await systemd.MaskAsync(unit, now: false, T, default);
            Assert.Equal("/dev/null", HostSays("readlink", mask));
            Assert.True((await systemd.ShowAsync(unit, T, default)).IsMasked);
            var masked = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => systemd.StartAsync(unit, T, default));
            Assert.Contains("masked", masked.Stderr);
            await systemd.UnmaskAsync(unit, T, default);
            Assert.NotEqual(0, lab.Exec(lab.H1, "test", "-e", mask).Exit);
            Assert.Equal("disabled", await systemd.IsEnabledAsync(unit, T, default));
        }
        finally
        {
            lab.Exec(lab.H1, "rm", "-f", path, mask);
            lab.Exec(lab.H1, "systemctl", "daemon-reload");
        }
        // Gone from disk and reloaded: now it is a unit systemd cannot find.
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => systemd.ShowAsync(unit, T, default));
        Assert.Equal(("unit", unit), (e.Kind, e.Name));
    }

    [Fact]
    public async Task EveryCommandOnAMissingUnitIsObjectNotFound()
    {
        const string unit = "no-such-unit-mvm.service";
        await using var transport = new SshTransport();
        var systemd = new Systemd(transport.Host(lab.Target(lab.H1)));
        Func<Task>[] calls =
        [
            () => systemd.StartAsync(unit, T, default),
            () => systemd.StopAsync(unit, T, default),
            () => systemd.RestartAsync(unit, T, default),
            () => systemd.EnableAsync(unit, true, T, default),
            () => systemd.DisableAsync(unit, false, T, default),
            () => systemd.IsEnabledAsync(unit, T, default),
            () => systemd.ShowAsync(unit, T, default),
        ];
        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
            Assert.Equal(("unit", unit, "h1"), (e.Kind, e.Name, e.HostName));
        }
        // systemd itself answers "inactive" here, which is why ShowAsync is the existence check.
        Assert.Equal(UnitActiveState.Inactive, await systemd.IsActiveAsync(unit, T, default));
        Assert.False((await systemd.ShowAsync([unit, Ovs], T, default))[0].Exists);
    }
}
