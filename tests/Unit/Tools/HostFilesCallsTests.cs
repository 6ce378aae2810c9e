using System.Text;
using Mvm.Tools;
using Mvm.Transport;
using Mvm.Tests.Unit.Tools.CephClients;

namespace Mvm.Tests.Unit.Tools;

/// <summary>The batchable scratch-file calls and xorriso: their exact argv, content on stdin only, and refused
/// paths.</summary>
public sealed class HostFilesCallsTests
{
    private static CommandResult Result(IReadOnlyList<string> argv, int exit, string stderr = "") =>
        new("h3", argv, exit, [], Encoding.UTF8.GetBytes(stderr));

    [Fact]
    public void ScratchDirectoryCallsAreRmAndInstallWithThePathLast()
    {
        Assert.Equal(["rm", "-rf", "/var/tmp/mvm-seed-vm1"],
            HostFiles.RemoveDirectoryCall("/var/tmp/mvm-seed-vm1").Argv);
        Assert.Equal(["install", "-d", "-m", "0700", "/var/tmp/mvm-seed-vm1"],
            HostFiles.MakePrivateDirectoryCall("/var/tmp/mvm-seed-vm1").Argv);
        var call = HostFiles.MakePrivateDirectoryCall("/var/tmp/x");
        Assert.True(call.Read(Result(call.Argv, 0)));
        var e = Assert.Throws<RemoteCommandFailedException>(() => call.Read(Result(call.Argv, 1,
            "install: cannot create directory: Read-only file system")));
        Assert.Contains("Read-only file system", e.Message);
    }

    [Fact]
    public void AFileIsWrittenFromStdinNeverFromArgv()
    {
        var secret = "#cloud-config\npassword: hunter2\n";
        var call = HostFiles.WritePrivateFileCall("/var/tmp/mvm-seed-vm1/user-data", Encoding.UTF8.GetBytes(secret));
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
        Assert.Throws<ArgumentException>(() => HostFiles.RemoveDirectoryCall(directory));

    [Fact]
    public void RelativePathsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => HostFiles.MakePrivateDirectoryCall("mvm-seed"));
        Assert.Throws<ArgumentException>(() => HostFiles.WritePrivateFileCall("-x", []));
    }

    [Fact]
    public async Task RemoveDirectoryAsyncSaysWhetherRmSucceededWithoutThrowing()
    {
        var host = ScriptedHost.Replies(ScriptedHost.Reply(0),
            ScriptedHost.Reply(1, stderr: "rm: cannot remove: Device or resource busy"));
        var files = new HostFiles(host);
        Assert.True(await files.RemoveDirectoryAsync("/var/tmp/mvm-seed-vm1", TimeSpan.FromSeconds(5),
            CancellationToken.None));
        Assert.False(await files.RemoveDirectoryAsync("/var/tmp/mvm-seed-vm1", TimeSpan.FromSeconds(5),
            CancellationToken.None));
        Assert.All(host.Calls, c => Assert.Equal(["rm", "-rf", "/var/tmp/mvm-seed-vm1"], c));
    }

    [Fact]
    public void XorrisoMakesAJolietRockRidgeIsoOfTheFilesInOrder()
    {
        var call = Xorriso.MakeIsoCall("/var/tmp/s/seed.iso", "cidata",
            ["/var/tmp/s/meta-data", "/var/tmp/s/user-data"]);
        Assert.Equal(["xorriso", "-as", "mkisofs", "-quiet", "-output", "/var/tmp/s/seed.iso", "-V", "cidata", "-J",
            "-r",
            "/var/tmp/s/meta-data", "/var/tmp/s/user-data"], call.Argv);
        Assert.Null(call.Stdin);
        Assert.True(call.Read(Result(call.Argv, 0)));
        Assert.Throws<RemoteCommandFailedException>(() => call.Read(Result(call.Argv, 32,
            "xorriso : FAILURE : Cannot find path")));
    }

    [Theory]
    [InlineData("seed.iso", "cidata", "/a")]
    [InlineData("/s.iso", "", "/a")]
    [InlineData("/s.iso", "ci data", "/a")]
    [InlineData("/s.iso", "cidata", "-J")]
    public void XorrisoRefusesRelativePathsAndOddVolumeIds(string output, string volumeId, string file) =>
        Assert.Throws<ArgumentException>(() => Xorriso.MakeIsoCall(output, volumeId, [file]));
}
