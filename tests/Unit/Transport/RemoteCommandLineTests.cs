using System.Diagnostics;
using System.Text;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

public class RemoteCommandLineTests
{
    [Fact]
    public void WrapsInSudoAndARemoteTimeoutThatTrailsTheLocalOne()
    {
        var line = RemoteCommandLine.Build(["ceph", "status"], sudo: true, TimeSpan.FromSeconds(10));
        Assert.StartsWith("printf '\\036mvm-started %s\\036\\n' \"$$\" >&2; exec ", line);
        Assert.EndsWith("exec sudo -n -- timeout -k 5s 13s ceph status", line);
        Assert.EndsWith("exec echo hi", RemoteCommandLine.Build(["echo", "hi"], sudo: false, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void RefusesACommandLineTooLongForARemoteShell()
    {
        var e = Assert.Throws<ArgumentException>(() => RemoteCommandLine.Build(["echo", new string('x', 130_000)], false, Timeout.InfiniteTimeSpan));
        Assert.Contains("stdin", e.Message);
    }

    [Fact]
    public void TheMarkerCarriesThePidTheCommandRunsAs()
    {
        // exec keeps the shell's PID, so the PID in the marker is the command's: that is what a
        // timeout or cancel signals.
        var line = RemoteCommandLine.Build(["sh", "-c", "echo $$; echo err >&2"], sudo: false, Timeout.InfiniteTimeSpan);
        var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(line);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        using var err = new MemoryStream();
        p.StandardError.BaseStream.CopyTo(err);
        p.WaitForExit();
        var (pid, rest) = RemoteCommandLine.StripMarker(err.ToArray());
        Assert.Equal(int.Parse(stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture), pid);
        Assert.Equal("err\n", Encoding.UTF8.GetString(rest));
    }

    [Fact]
    public void StripsOnlyTheMarkerAndKeepsLoginNoiseAndOutput()
    {
        var raw = Encoding.UTF8.GetBytes("motd noise\n\u001emvm-started 4242\u001e\nreal stderr\n");
        var (pid, rest) = RemoteCommandLine.StripMarker(raw);
        Assert.Equal(4242, pid);
        Assert.Equal("motd noise\nreal stderr\n", Encoding.UTF8.GetString(rest));

        var none = Encoding.UTF8.GetBytes("ssh: connect to host x port 22: Connection refused\n");
        Assert.Equal((null, none), RemoteCommandLine.StripMarker(none));
        Assert.Null(RemoteCommandLine.StripMarker(Encoding.UTF8.GetBytes("\u001emvm-started \u001e\n")).Pid);
    }

    [Fact]
    public void KillGoesThroughSudoWhenTheCommandDid()
    {
        Assert.Equal("exec sudo -n -- kill -TERM 77", RemoteCommandLine.BuildKill(77, sudo: true));
        Assert.Equal("kill -TERM 77", RemoteCommandLine.BuildKill(77, sudo: false));
    }

    [Theory]
    [InlineData("sudo: a password is required\n", true)]
    [InlineData("sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n", true)]
    [InlineData("nosudo is not in the sudoers file.\n", false)]
    [InlineData("sudo: nosudo is not in the sudoers file.  This incident will be reported.\n", true)]
    [InlineData("E: Could not open lock file /var/lib/dpkg/lock-frontend\n", false)]
    public void RecognisesSudoRefusals(string stderr, bool refused) => Assert.Equal(refused, RemoteCommandLine.SudoRefused(stderr));
}
