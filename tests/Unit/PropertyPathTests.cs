using Mvm.Framework;

namespace Mvm.Tests.Unit;

public class PropertyPathTests
{
    [Theory]
    [InlineData("hosts[2].dataDevices[1]", "hosts")]
    [InlineData("size", "size")]
    [InlineData("[\"odd.key\"].x", "odd.key")]
    public void RootIsTheTopLevelProperty(string path, string root) => Assert.Equal(root, PropertyPath.Root(path));

    [Theory]
    [InlineData("hosts[2].dataDevices[1]", "hosts", true)]
    [InlineData("hosts[2].dataDevices[1]", "hosts[2]", true)]
    [InlineData("hosts[2].dataDevices[1]", "hosts[*].dataDevices", true)]
    [InlineData("hosts[2].dataDevices[1]", "hosts[1]", false)]
    [InlineData("hostsExtra", "hosts", false)]
    [InlineData("hosts[12]", "hosts[1]", false)]
    public void IgnorePatternsMatchSubtrees(string path, string pattern, bool expected) =>
        Assert.Equal(expected, PropertyPath.IsUnder(path, pattern));
}
