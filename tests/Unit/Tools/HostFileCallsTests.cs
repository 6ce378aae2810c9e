using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>The exact argv of each file call, how its answer is read, and the arguments it refuses.</summary>
public class HostFileCallsTests
{
    private static CommandResult Result<T>(ToolCall<T> call, int exit, string stdout = "", string stderr = "") =>
        new("h4", call.Argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void TestsAnswerByExitCode()
    {
        Assert.Equal(["test", "-e", "/var/lib/ceph/mon/ceph-h5/done"],
            HostFileCalls.Exists("/var/lib/ceph/mon/ceph-h5/done").Argv);
        Assert.Equal(["test", "-f", "/etc/mvm/migration/id_ed25519"],
            HostFileCalls.IsFile("/etc/mvm/migration/id_ed25519").Argv);
        Assert.Equal(["test", "-s", "/etc/ceph/ceph.client.admin.keyring"],
            HostFileCalls.IsNonEmpty("/etc/ceph/ceph.client.admin.keyring").Argv);
        Assert.Equal(["mountpoint", "-q", "--", "/var/lib/ceph/osd/ceph-1"],
            HostFileCalls.IsMountPoint("/var/lib/ceph/osd/ceph-1").Argv);
        Assert.Equal(["grep", "-qxF", "cgroup_controllers = [ ]", "/etc/libvirt/qemu.conf"],
            HostFileCalls.ContainsLine("/etc/libvirt/qemu.conf", "cgroup_controllers = [ ]").Argv);
        var exists = HostFileCalls.Exists("/x");
        Assert.True(exists.Read(Result(exists, 0)));
        Assert.False(exists.Read(Result(exists, 1)));
        Assert.False(exists.Read(Result(exists, 2, stderr: "test: too many arguments")));
    }

    [Fact]
    public void ReadsFilesAsBytesOrText()
    {
        var present = HostFileCalls.ReadIfPresent("/var/lib/libvirt/qemu/nvram/vm_VARS.fd");
        Assert.Equal(["cat", "/var/lib/libvirt/qemu/nvram/vm_VARS.fd"], present.Argv);
        Assert.Null(present.Read(Result(present, 1,
            stderr: "cat: /var/lib/libvirt/qemu/nvram/vm_VARS.fd: No such file or directory")));
        Assert.Equal("abc"u8.ToArray(), present.Read(Result(present, 0, "abc")));

        var text = HostFileCalls.ReadText("/proc/meminfo");
        Assert.Equal(["cat", "/proc/meminfo"], text.Argv);
        Assert.Equal("MemTotal: 1 kB\n", text.Read(Result(text, 0, "MemTotal: 1 kB\n")));
        Assert.Throws<RemoteCommandFailedException>(() =>
            text.Read(Result(text, 1, stderr: "cat: /proc/meminfo: Permission denied")));
    }

    [Fact]
    public void ListsNamesOfOneDirectoryAndNullWhenItIsMissing()
    {
        var call = HostFileCalls.ListNames("/var/lib/ceph/mon", "ceph-*");
        Assert.Equal(["find", "/var/lib/ceph/mon", "-mindepth", "1", "-maxdepth", "1", "-name", "ceph-*", "-printf",
            "%f\\n"], call.Argv);
        Assert.Equal(["ceph-h5", "ceph-x"], call.Read(Result(call, 0, "ceph-h5\nceph-x\n")));
        Assert.Null(call.Read(Result(call, 1, stderr: "find: '/var/lib/ceph/mon': No such file or directory")));
    }

    [Fact]
    public void ChangesKeepTheirArgvAndContentOnStdin()
    {
        var write = HostFileCalls.Write("/etc/ceph/ceph.conf.mvm-new", "0644", "[global]\n"u8.ToArray());
        Assert.Equal(["install", "-m", "0644", "/dev/stdin", "/etc/ceph/ceph.conf.mvm-new"], write.Argv);
        Assert.Equal("[global]\n"u8.ToArray(), write.Stdin);
        Assert.Equal(["tee", "-a", "/etc/libvirt/qemu.conf"], HostFileCalls.Append("/etc/libvirt/qemu.conf", [1]).Argv);
        Assert.Equal(["install", "-d", "-m", "0755", "/etc/ceph"],
            HostFileCalls.MakeDirectories("0755", ["/etc/ceph"]).Argv);
        Assert.Equal(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", "/var/lib/ceph/bootstrap-osd",
            "/var/lib/ceph/tmp"],
            HostFileCalls.MakeDirectories("0750", ["/var/lib/ceph/bootstrap-osd", "/var/lib/ceph/tmp"], "ceph").Argv);
        Assert.Equal(["mv", "-f", "/a.new", "/a"], HostFileCalls.Move("/a.new", "/a").Argv);
        Assert.Equal(["rm", "-f", "/a", "/b"], HostFileCalls.RemoveFiles(["/a", "/b"]).Argv);
        Assert.Equal(["rm", "-rf", "--", "/a", "/b"], HostFileCalls.RemoveTrees(["/a", "/b"]).Argv);
        Assert.Equal(["rm", "-rf", "/etc/mvm/migration"], HostFileCalls.RemoveTree("/etc/mvm/migration").Argv);
        Assert.Equal(["touch", "/d/done"], HostFileCalls.Touch("/d/done").Argv);
        Assert.Equal(["chmod", "0600", "/k"], HostFileCalls.ChangeMode("0600", "/k").Argv);
        Assert.Equal(["chown", "ceph:ceph", "/k", "/m"], HostFileCalls.ChangeOwner("ceph", "ceph", ["/k", "/m"]).Argv);
        Assert.Equal(["bash", "-c", "for f in \"$@\"; do [ -e \"$f\" ] && chown ceph:ceph \"$f\"; done; exit 0", "mvm-chown", "/k", "/m"],
            HostFileCalls.ChangeOwnerToCephWhereExists(["/k", "/m"]).Argv);
        Assert.Equal(["tar", "-C", "/", "-cf", "-", "etc/ceph/ceph.conf", "var/lib/ceph/tmp/monmap"],
            HostFileCalls.Archive(["/etc/ceph/ceph.conf", "/var/lib/ceph/tmp/monmap"]).Argv);
        var extract = HostFileCalls.Extract([1, 2]);
        Assert.Equal(["tar", "-C", "/", "--no-same-owner", "-xf", "-"], extract.Argv);
        Assert.Equal([1, 2], extract.Stdin);
        Assert.Equal(["umount", "--", "/var/lib/ceph/osd/ceph-1"],
            HostFileCalls.Unmount("/var/lib/ceph/osd/ceph-1").Argv);
        Assert.Equal(["wipefs", "-a", "-q", "--", "/dev/vdb"], HostFileCalls.WipeSignatures("/dev/vdb").Argv);

        var mv = HostFileCalls.Move("/a.new", "/a");
        Assert.True(mv.Read(Result(mv, 0)));
        Assert.Throws<RemoteCommandFailedException>(() =>
            mv.Read(Result(mv, 1, stderr: "mv: cannot stat '/a.new': No such file or directory")));
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("-rf")]
    [InlineData("/")]
    [InlineData("")]
    public void RefusesWhatIsNotAnAbsolutePath(string path)
    {
        Assert.Throws<ArgumentException>(() => HostFileCalls.RemoveTrees([path]));
        Assert.Throws<ArgumentException>(() => HostFileCalls.Exists(path));
    }

    [Theory]
    [InlineData("644")]
    [InlineData("0x44")]
    [InlineData("-0644")]
    public void RefusesWhatIsNotAFourDigitOctalMode(string mode) =>
        Assert.Throws<ArgumentException>(() => HostFileCalls.Write("/a", mode, []));

    [Fact]
    public void RefusesOwnersThatAreNotNames() =>
        Assert.Throws<ArgumentException>(() => HostFileCalls.ChangeOwner("ceph:root", "ceph", ["/a"]));
}
