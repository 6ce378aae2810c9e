using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.MvmHost;

namespace Mvm.Tests.Unit.Resources;

public class MvmHostCheckTests
{
    private readonly MvmHost _host = new();

    private static ObjectProperty Valid() => Obj(
        ("connectString", Secret(ConnectString)),
        ("address", "10.0.0.14"),
        ("sshUser", "ubuntu"),
        ("sudo", true),
        ("hostKey", HostKey),
        ("dataDevices", List("/dev/vdb", "/dev/vdc")),
        ("managementInterface", "ens3"),
        ("computeInterface", "ens4"));

    private IReadOnlyList<CheckFailureInfo> Check(ObjectProperty news, string name = "hv4") => Failures(_host, news, name);

    [Fact]
    public void ValidHostPassesWithNameAndMaintenanceDefaulted()
    {
        var (inputs, failures) = _host.Check("hv4", ObjectProperty.Empty, Valid());
        AssertNoFailures(failures);
        Assert.Equal("hv4", (inputs["name"] as StringProperty)?.Value);
        Assert.Equal(false, (inputs["maintenance"] as BoolProperty)?.Value);
        Assert.True(inputs["connectString"]!.IsSecret);
    }

    [Fact]
    public void ConnectStringIsRequiredAndNotBlank()
    {
        AssertOnlyFailure(Check(Valid().Without("connectString")), "connectString", "missing required property 'connectString'");
        AssertOnlyFailure(Check(Valid().Set("connectString", Secret(" "))), "connectString", "must be the MvmCluster's connectString output");
    }

    [Fact]
    public void HostFieldsAreCheckedAtTopLevelPaths()
    {
        AssertOnlyFailure(Check(Valid().Set("dataDevices", List("/dev/vdb", "sdc"))), "dataDevices[1]", "must be an absolute device path under /dev/, e.g. \"/dev/sdc\"");
        AssertOnlyFailure(Check(Valid().Set("storageInterface", "a/b")), "storageInterface", "\"a/b\" must be a Linux interface name: letters, digits");
        AssertOnlyFailure(Check(Valid().Set("sshPort", 0)), "sshPort", "must be between 1 and 65535, got 0");
        AssertOnlyFailure(Check(Valid().Set("address", "ubuntu@10.0.0.14")), "address", "put the login user in sshUser");
    }

    [Fact]
    public void BadDefaultedNameTellsToSetItExplicitly() =>
        AssertOnlyFailure(Check(Valid(), name: "hv 4"), "name", "set `name` explicitly");

    [Fact]
    public void UnknownValuesInPreviewAreNotFailures()
    {
        var news = Valid()
            .Set("connectString", PropertyValue.Computed)
            .Set("address", PropertyValue.Computed)
            .Set("dataDevices", List(PropertyValue.Computed, "/dev/vdc"))
            .Set("maintenance", PropertyValue.Computed);
        AssertNoFailures(Check(news));
    }
}
