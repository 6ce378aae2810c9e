using Mvm.Core;

namespace Mvm.Tests.Unit.Framework;

public class SecretScrubberTests
{
    [Fact]
    public void MasksWholeSecretsAndLinesOfMultiLineOnes()
    {
        var s = new SecretScrubber();
        s.Add("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBs\n-----END OPENSSH PRIVATE KEY-----");
        s.Add("hunter2");
        var text = s.Scrub("ssh failed: password hunter2 rejected; key line b3BlbnNzaC1rZXktdjEAAAAA seen");
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAA", text);
        Assert.Contains("[secret]", text);
    }

    [Fact]
    public void ForksDoNotLeakBackIntoTheParent()
    {
        var parent = new SecretScrubber();
        parent.Add("configsecret");
        var child = parent.Fork();
        child.Add("requestsecret");
        Assert.Equal("[secret] requestsecret", parent.Scrub("configsecret requestsecret"));
        Assert.Equal("[secret] [secret]", child.Scrub("configsecret requestsecret"));
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5s", 1.5)]
    public void DurationsParse(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var t));
        Assert.Equal(seconds, t.TotalSeconds);
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("-3")]
    [InlineData("m5")]
    [InlineData("")]
    public void BadDurationsAreRejected(string text) => Assert.False(Durations.TryParse(text, out _));
}
