using Mvm.Resources.Shared;

namespace Mvm.Tests.Unit.Resources;

public class VlanRangesTests
{
    [Theory]
    [InlineData("1", 1, 1)]
    [InlineData("4094", 4094, 4094)]
    [InlineData("22-25", 22, 25)]
    [InlineData(" 22 - 25 ", 22, 25)]
    [InlineData("7-7", 7, 7)]
    public void ParsesIdsAndRanges(string text, int first, int last)
    {
        Assert.True(VlanRanges.TryParse(text, out var range, out var error), error);
        Assert.Equal(new VlanRange(first, last), range);
    }

    [Theory]
    [InlineData("22-5000", "VLAN ids are 1-4094, got 5000")]
    [InlineData("0-5", "VLAN ids are 1-4094, got 0")]
    [InlineData("99999999999", "VLAN ids are 1-4094, got 99999999999")]
    [InlineData("25-22", "reversed")]
    [InlineData("-5", "expected a VLAN id")]
    [InlineData("", "expected a VLAN id")]
    [InlineData("1,2", "own list item")]
    public void RejectsWithAReason(string text, string message)
    {
        Assert.False(VlanRanges.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void RangesFormatBack()
    {
        Assert.Equal("22-25", new VlanRange(22, 25).ToString());
        Assert.Equal("7", new VlanRange(7, 7).ToString());
        Assert.Equal(4, new VlanRange(22, 25).Ids.Count());
    }
}
