using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.OvsVlan;

namespace Mvm.Tests.Unit.Resources;

public class OvsVlanCheckTests
{
    private readonly OvsVlan _vlan = new();

    private static ObjectProperty Valid() => Obj(("connectString", Secret(ConnectString)), ("name", "dmz"), ("vlanId", 22));

    private IReadOnlyList<CheckFailureInfo> Check(ObjectProperty news, string name = "dmz") => Failures(_vlan, news, name);

    [Fact]
    public void ValidVlanPassesWithTheDefaultBridge()
    {
        var (inputs, failures) = _vlan.Check("dmz", ObjectProperty.Empty, Valid().Without("name"));
        AssertNoFailures(failures);
        Assert.Equal("br-mvm", (inputs["bridge"] as StringProperty)?.Value);
        Assert.Equal("dmz", (inputs["name"] as StringProperty)?.Value);
    }

    [Theory]
    [InlineData(5000, "must be between 1 and 4094, got 5000")]
    [InlineData(0, "must be between 1 and 4094, got 0")]
    public void VlanIdIsWithin802Dot1Q(int id, string message) =>
        AssertOnlyFailure(Check(Valid().Set("vlanId", id)), "vlanId", message);

    [Fact]
    public void VlanIdIsRequired() =>
        AssertOnlyFailure(Check(Valid().Without("vlanId")), "vlanId", "missing required property 'vlanId'");

    [Fact]
    public void NamesAndBridgesAreChecked()
    {
        AssertOnlyFailure(Check(Valid().Set("name", "dmz net")), "name", "letters, digits, '.', '_' or '-'");
        AssertOnlyFailure(Check(Valid().Set("bridge", "br-mvm-too-long-name")), "bridge", "1-15 characters");
    }

    [Fact]
    public void UnknownValuesInPreviewAreNotFailures() =>
        AssertNoFailures(Check(Valid().Set("vlanId", PropertyValue.Computed).Set("name", PropertyValue.Computed).Set("connectString", PropertyValue.Computed)));
}
