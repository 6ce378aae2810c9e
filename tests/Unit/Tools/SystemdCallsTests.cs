using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The batchable systemctl, systemd-detect-virt and journalctl calls, over output captured from systemd 252 on a lab
/// host.
/// </summary>
public class SystemdCallsTests
{
    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Systemd", name));

    private static CommandResult Result<T>(ToolCall<T> call, int exit, string stdout = "", string stderr = "") =>
        new("h4", call.Argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void EnablesSeveralUnitsInOneCommand()
    {
        Assert.Equal(["systemctl", "enable", "ceph.target", "ceph-mon.target"],
            Systemd.Enable(["ceph.target", "ceph-mon.target"]).Argv);
        Assert.Equal(["systemctl", "enable", "--now", "ceph-mon@h5"],
            Systemd.Enable(["ceph-mon@h5"], now: true).Argv);
        Assert.Throws<ArgumentException>(() => Systemd.Enable(["-now"]));
        Assert.Throws<ArgumentException>(() => Systemd.Enable([]));
    }

    [Fact]
    public void DisablesOneUnitAfterDoubleDash()
    {
        var call = Systemd.Disable("ceph-mon@h5.service", now: true);
        Assert.Equal(["systemctl", "disable", "--now", "--", "ceph-mon@h5.service"], call.Argv);
        Assert.True(call.Read(Result(call, 0)));
        var e = Assert.Throws<ObjectNotFoundException>(() =>
            call.Read(Result(call, 1, stderr: Fixture("systemctl-252-disable-not-found.stderr"))));
        Assert.Contains("no-such-unit-mvm.service", e.Message);
    }

    [Fact]
    public void ShowReadsEveryUnitOfTheBatch()
    {
        var call = Systemd.Show(["ceph-mon@h5", "ceph-mgr@h5"]);
        Assert.Equal(Systemd.ShowArgv(["ceph-mon@h5", "ceph-mgr@h5"]), call.Argv);
        var units = call.Read(Result(call, 0, Fixture("systemctl-252-show-ceph-mon-mgr-running.txt")));
        Assert.Equal(2, units.Count);
        Assert.All(units, u => Assert.True(u.IsActive));
    }

    [Fact]
    public void IsActiveAnswersByExitCode()
    {
        var call = Systemd.IsActive("ceph-osd@3");
        Assert.Equal(["systemctl", "is-active", "--quiet", "ceph-osd@3"], call.Argv);
        Assert.True(call.Read(Result(call, 0)));
        Assert.False(call.Read(Result(call, 3)));
    }

    [Fact]
    public void DetectsAContainerAndTailsAJournal()
    {
        var virt = Systemd.DetectContainer();
        Assert.Equal(["systemd-detect-virt", "--container"], virt.Argv);
        Assert.Equal("systemd-nspawn", virt.Read(Result(virt, 0, "systemd-nspawn\n")));
        Assert.Equal("none", virt.Read(Result(virt, 1, "none\n")));

        var journal = Systemd.JournalTail("ceph-mon@h6", 15);
        Assert.Equal(["journalctl", "-u", "ceph-mon@h6", "-n", "15", "--no-pager", "-o", "cat"], journal.Argv);
        Assert.Throws<ArgumentException>(() => Systemd.JournalTail("x;reboot", 15));
    }
}
