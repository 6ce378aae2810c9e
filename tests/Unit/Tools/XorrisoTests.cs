using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>xorriso's ISO call: its exact argv, and the paths and volume ids it refuses.</summary>
public sealed class XorrisoTests
{
    private static CommandResult Result(IReadOnlyList<string> argv, int exit, string stderr = "") =>
        new("h3", argv, exit, [], Encoding.UTF8.GetBytes(stderr));

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
