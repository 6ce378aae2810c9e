using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The argv of the OpenSSH, ip, virsh version and reachability calls, and how their answers are read.
/// </summary>
public class OpenSshCallsTests
{
    private static CommandResult Result<T>(ToolCall<T> call, int exit, string stdout = "", string stderr = "") =>
        new("h4", call.Argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void MakesAnUnencryptedEd25519Key()
    {
        Assert.Equal(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mvm-migration", "-f",
            "/etc/mvm/migration/id_ed25519"],
            OpenSshCalls.KeyGen("/etc/mvm/migration/id_ed25519", "mvm-migration").Argv);
        Assert.Throws<ArgumentException>(() => OpenSshCalls.KeyGen("/k", "two words"));
    }

    [Fact]
    public void ReadsTheHostKeysOneALine()
    {
        var call = OpenSshCalls.HostPublicKeys();
        Assert.Equal(["sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub"], call.Argv);
        Assert.Equal(["ssh-ed25519 AAAA root@h4", "ecdsa-sha2-nistp256 BBBB root@h4"],
            call.Read(Result(call, 0, "ssh-ed25519 AAAA root@h4\n\necdsa-sha2-nistp256 BBBB root@h4\n")));
    }

    [Fact]
    public void ProbesALoginWithTheKeyAndReturnsSshsError()
    {
        var call = OpenSshCalls.Probe("/etc/mvm/migration/id_ed25519", "root", "10.20.0.15", 2222);
        Assert.Equal(["ssh", "-i", "/etc/mvm/migration/id_ed25519", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            "-o", "ConnectTimeout=10",
            "-p", "2222", "root@10.20.0.15", "true"], call.Argv);
        Assert.Equal(["root@10.20.0.15", "true"],
            OpenSshCalls.Probe("/k", "root", "10.20.0.15", null).Argv.TakeLast(2));
        Assert.DoesNotContain("-p", OpenSshCalls.Probe("/k", "root", "10.20.0.15", null).Argv);
        Assert.Null(call.Read(Result(call, 0)));
        Assert.Equal("root@10.20.0.15: Permission denied (publickey).",
            call.Read(Result(call, 255, stderr: "root@10.20.0.15: Permission denied (publickey).\n")));
        Assert.Throws<ArgumentException>(() => OpenSshCalls.Probe("/k", "root", "-oProxyCommand=x", null));
    }

    [Fact]
    public void SetsALinkUp()
    {
        Assert.Equal(["ip", "link", "set", "dev", "br-mvm", "up"], IpLinkCalls.SetUp("br-mvm").Argv);
        Assert.Throws<ArgumentException>(() => IpLinkCalls.SetUp("-a"));
        Assert.Throws<ArgumentException>(() => IpLinkCalls.SetUp("a-name-far-too-long"));
    }

    [Fact]
    public void AsksLibvirtdForItsVersionAndTheHostForTrue()
    {
        var version = VirshCalls.Version();
        Assert.Equal(["virsh", "-c", "qemu:///system", "version"], version.Argv);
        Assert.Equal(1, version.Read(Result(version, 1, stderr: "error: failed to connect to the hypervisor"))
            .ExitCode);
        var answers = HostFacts.Answers();
        Assert.Equal(["true"], answers.Argv);
        Assert.True(answers.Read(Result(answers, 0)));
        Assert.False(answers.Read(Result(answers, 1)));
    }
}
