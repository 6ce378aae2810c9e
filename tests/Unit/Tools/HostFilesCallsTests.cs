using System.Text;
using Mvm.Tools;
using Mvm.Transport;
using Mvm.Tests.Unit.Tools.CephClients;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The exact argv of each file call, how its answer is read, and the arguments it refuses (scratch
/// directories: only `mvm-*` ones are removed recursively; content travels on stdin only).
/// </summary>
public class HostFilesCallsTests
{
    private static CommandResult Result<T>(ToolCall<T> call, int exit, string stdout = "", string stderr = "") =>
        new("h4", call.Argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void TestsAnswerByExitCode()
    {
        Assert.Equal(["test", "-e", "/var/lib/ceph/mon/ceph-h5/done"],
            HostFiles.Exists("/var/lib/ceph/mon/ceph-h5/done").Argv);
        Assert.Equal(["test", "-f", "/etc/mvm/migration/id_ed25519"],
            HostFiles.IsFile("/etc/mvm/migration/id_ed25519").Argv);
        Assert.Equal(["test", "-s", "/etc/ceph/ceph.client.admin.keyring"],
            HostFiles.IsNonEmpty("/etc/ceph/ceph.client.admin.keyring").Argv);
        Assert.Equal(["mountpoint", "-q", "--", "/var/lib/ceph/osd/ceph-1"],
            HostFiles.IsMountPoint("/var/lib/ceph/osd/ceph-1").Argv);
        Assert.Equal(["grep", "-qxF", "cgroup_controllers = [ ]", "/etc/libvirt/qemu.conf"],
            HostFiles.ContainsLine("/etc/libvirt/qemu.conf", "cgroup_controllers = [ ]").Argv);
        var exists = HostFiles.Exists("/x");
        Assert.True(exists.Read(Result(exists, 0)));
        Assert.False(exists.Read(Result(exists, 1)));
        Assert.False(exists.Read(Result(exists, 2, stderr: "test: too many arguments")));
    }

    [Fact]
    public void ReadsFilesAsBytesOrText()
    {
        var present = HostFiles.ReadIfPresent("/var/lib/libvirt/qemu/nvram/vm_VARS.fd");
        Assert.Equal(["cat", "/var/lib/libvirt/qemu/nvram/vm_VARS.fd"], present.Argv);
        Assert.Null(present.Read(Result(present, 1,
            stderr: "cat: /var/lib/libvirt/qemu/nvram/vm_VARS.fd: No such file or directory")));
        Assert.Equal("abc"u8.ToArray(), present.Read(Result(present, 0, "abc")));

        var text = HostFiles.ReadText("/proc/meminfo");
        Assert.Equal(["cat", "/proc/meminfo"], text.Argv);
        Assert.Equal("MemTotal: 1 kB\n", text.Read(Result(text, 0, "MemTotal: 1 kB\n")));
        Assert.Throws<RemoteCommandFailedException>(() =>
            text.Read(Result(text, 1, stderr: "cat: /proc/meminfo: Permission denied")));
    }

    [Fact]
    public void ListsNamesOfOneDirectoryAndNullWhenItIsMissing()
    {
        var call = HostFiles.ListNames("/var/lib/ceph/mon", "ceph-*");
        Assert.Equal(["find", "/var/lib/ceph/mon", "-mindepth", "1", "-maxdepth", "1", "-name", "ceph-*", "-printf",
            "%f\\n"], call.Argv);
        Assert.Equal(["ceph-h5", "ceph-x"], call.Read(Result(call, 0, "ceph-h5\nceph-x\n")));
        Assert.Null(call.Read(Result(call, 1, stderr: "find: '/var/lib/ceph/mon': No such file or directory")));
    }

    [Fact]
    public void ChangesKeepTheirArgvAndContentOnStdin()
    {
        var write = HostFiles.Write("/etc/ceph/ceph.conf.mvm-new", "0644", "[global]\n"u8.ToArray());
        Assert.Equal(["install", "-m", "0644", "/dev/stdin", "/etc/ceph/ceph.conf.mvm-new"], write.Argv);
        Assert.Equal("[global]\n"u8.ToArray(), write.Stdin);
        Assert.Equal(["tee", "-a", "/etc/libvirt/qemu.conf"], HostFiles.Append("/etc/libvirt/qemu.conf", [1]).Argv);
        Assert.Equal(["install", "-d", "-m", "0755", "/etc/ceph"],
            HostFiles.MakeDirectories("0755", ["/etc/ceph"]).Argv);
        Assert.Equal(["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", "/var/lib/ceph/bootstrap-osd",
            "/var/lib/ceph/tmp"],
            HostFiles.MakeDirectories("0750", ["/var/lib/ceph/bootstrap-osd", "/var/lib/ceph/tmp"], "ceph").Argv);
        Assert.Equal(["mv", "-f", "/a.new", "/a"], HostFiles.Move("/a.new", "/a").Argv);
        Assert.Equal(["rm", "-f", "/a", "/b"], HostFiles.RemoveFiles(["/a", "/b"]).Argv);
        Assert.Equal(["rm", "-rf", "--", "/a", "/b"], HostFiles.RemoveTrees(["/a", "/b"]).Argv);
        Assert.Equal(["rm", "-rf", "/etc/mvm/migration"], HostFiles.RemoveTree("/etc/mvm/migration").Argv);
        Assert.Equal(["touch", "/d/done"], HostFiles.Touch("/d/done").Argv);
        Assert.Equal(["chmod", "0600", "/k"], HostFiles.ChangeMode("0600", "/k").Argv);
        Assert.Equal(["chown", "ceph:ceph", "/k", "/m"], HostFiles.ChangeOwner("ceph", "ceph", ["/k", "/m"]).Argv);
        Assert.Equal(["bash", "-c", "for f in \"$@\"; do [ -e \"$f\" ] && chown ceph:ceph \"$f\"; done; exit 0", "mvm-chown", "/k", "/m"],
            HostFiles.ChangeOwnerToCephWhereExists(["/k", "/m"]).Argv);
        Assert.Equal(["tar", "-C", "/", "-cf", "-", "etc/ceph/ceph.conf", "var/lib/ceph/tmp/monmap"],
            HostFiles.Archive(["/etc/ceph/ceph.conf", "/var/lib/ceph/tmp/monmap"]).Argv);
        var extract = HostFiles.Extract([1, 2]);
        Assert.Equal(["tar", "-C", "/", "--no-same-owner", "-xf", "-"], extract.Argv);
        Assert.Equal([1, 2], extract.Stdin);
        Assert.Equal(["umount", "--", "/var/lib/ceph/osd/ceph-1"],
            HostFiles.Unmount("/var/lib/ceph/osd/ceph-1").Argv);
        Assert.Equal(["wipefs", "-a", "-q", "--", "/dev/vdb"], HostFiles.WipeSignatures("/dev/vdb").Argv);

        var mv = HostFiles.Move("/a.new", "/a");
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
        Assert.Throws<ArgumentException>(() => HostFiles.RemoveTrees([path]));
        Assert.Throws<ArgumentException>(() => HostFiles.Exists(path));
    }

    [Theory]
    [InlineData("644")]
    [InlineData("0x44")]
    [InlineData("-0644")]
    public void RefusesWhatIsNotAFourDigitOctalMode(string mode) =>
        Assert.Throws<ArgumentException>(() => HostFiles.Write("/a", mode, []));

    [Fact]
    public void RefusesOwnersThatAreNotNames() =>
        Assert.Throws<ArgumentException>(() => HostFiles.ChangeOwner("ceph:root", "ceph", ["/a"]));

    [Fact]
    public void ScratchDirectoryCallsAreRmAndInstallWithThePathLast()
    {
        Assert.Equal(["rm", "-rf", "/var/tmp/mvm-seed-vm1"],
            HostFiles.RemoveScratchDirectory("/var/tmp/mvm-seed-vm1").Argv);
        Assert.Equal(["install", "-d", "-m", "0700", "/var/tmp/mvm-seed-vm1"],
            HostFiles.MakeDirectories("0700", ["/var/tmp/mvm-seed-vm1"]).Argv);
        var call = HostFiles.MakeDirectories("0700", ["/var/tmp/x"]);
        Assert.True(call.Read(Result(call, 0)));
        var e = Assert.Throws<RemoteCommandFailedException>(() => call.Read(Result(call, 1,
            stderr: "install: cannot create directory: Read-only file system")));
        Assert.Contains("Read-only file system", e.Message);
    }

    [Fact]
    public void AFileIsWrittenFromStdinNeverFromArgv()
    {
        var secret = "#cloud-config\npassword: hunter2\n";
        var call = HostFiles.Write("/var/tmp/mvm-seed-vm1/user-data", "0600", Encoding.UTF8.GetBytes(secret));
        Assert.Equal(["install", "-m", "0600", "/dev/stdin", "/var/tmp/mvm-seed-vm1/user-data"], call.Argv);
        Assert.Equal(secret, Encoding.UTF8.GetString(call.Stdin!));
        Assert.DoesNotContain(call.Argv, a => a.Contains("hunter2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("var/tmp/mvm-seed")] // relative: could be read as an option or land anywhere
    [InlineData("-rf")]
    [InlineData("/var/tmp")] // not a scratch directory
    [InlineData("/")]
    [InlineData("/var/tmp/mvm-seed/..")]
    [InlineData("/var/tmp/../mvm-x")]
    public void OnlyScratchDirectoriesAreRemoved(string directory) =>
        Assert.Throws<ArgumentException>(() => HostFiles.RemoveScratchDirectory(directory));

    [Fact]
    public void RelativePathsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => HostFiles.MakeDirectories("0700", ["mvm-seed"]));
        Assert.Throws<ArgumentException>(() => HostFiles.Write("-x", "0600", []));
    }

    [Fact]
    public async Task RemoveScratchDirectoryAsyncSaysWhetherRmSucceededWithoutThrowing()
    {
        var host = ScriptedHost.Replies(ScriptedHost.Reply(0),
            ScriptedHost.Reply(1, stderr: "rm: cannot remove: Device or resource busy"));
        var files = new HostFiles(host);
        Assert.True(await files.RemoveScratchDirectoryAsync("/var/tmp/mvm-seed-vm1", TimeSpan.FromSeconds(5),
            CancellationToken.None));
        Assert.False(await files.RemoveScratchDirectoryAsync("/var/tmp/mvm-seed-vm1", TimeSpan.FromSeconds(5),
            CancellationToken.None));
        Assert.All(host.Calls, c => Assert.Equal(["rm", "-rf", "/var/tmp/mvm-seed-vm1"], c));
    }
}
