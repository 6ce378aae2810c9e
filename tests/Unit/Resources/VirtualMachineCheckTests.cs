using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.VirtualMachine;

namespace Mvm.Tests.Unit.Resources;

public class VirtualMachineCheckTests
{
    private readonly VirtualMachine _vm = new();

    private const string UserData = """
        #cloud-config
        hostname: web1
        users:
          - name: ops
            sudo: "ALL=(ALL) NOPASSWD:ALL"
            ssh_authorized_keys:
              - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAYLQm67VoXfg66Q8TeI/eG/Nfb8XW/h4FPGUfiMNQff ops@lab
        write_files:
          - path: /etc/motd
            content: |
              Managed by Pulumi.
              	(a tab inside block text is fine)
        runcmd:
          - [sh, -c, 'echo "booted" > /var/tmp/marker']
        """;

    private static ObjectProperty Valid() => Obj(
        ("connectString", Secret(ConnectString)),
        ("name", "web1"),
        ("image", "debian-12"),
        ("host", "hv1"),
        ("placement", "pinned"),
        ("vcpus", 2),
        ("memoryMiB", 2048),
        ("maxVcpus", 8),
        ("maxMemoryMiB", 8192),
        ("cpuModel", "host-passthrough"),
        ("firmware", "uefi"),
        ("disks", List(
            Obj(("name", "boot"), ("sizeGiB", 20)),
            Obj(("name", "data"), ("sizeGiB", 100), ("pool", "fast"), ("bus", "scsi")))),
        ("networkInterfaces", List(
            Obj(("name", "lan"), ("vlan", "dmz")),
            Obj(("name", "backend"), ("vlan", 30), ("mac", "52:54:00:AB:cd:01"), ("model", "e1000e")))),
        ("cloudInit", Obj(
            ("userData", UserData),
            ("metaData", "{\"instance-id\": \"web1-1\"}"),
            ("networkConfig", "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n"))));

    private IReadOnlyList<CheckFailureInfo> Check(ObjectProperty news, string name = "web1") => Failures(_vm, news, name);

    [Fact]
    public void ValidVmPassesWithDefaults()
    {
        var (inputs, failures) = _vm.Check("web1", ObjectProperty.Empty, Valid());
        AssertNoFailures(failures);
        Assert.Equal("running", (inputs["powerState"] as StringProperty)?.Value);
        Assert.Equal("reboot", (inputs["restartPolicy"] as StringProperty)?.Value);
        Assert.Equal(false, (inputs["retainDisks"] as BoolProperty)?.Value);
        var boot = (ObjectProperty)((ArrayProperty)inputs["disks"]!).Items[0];
        Assert.Equal("virtio", (boot["bus"] as StringProperty)?.Value);
    }

    [Fact]
    public void PinnedPlacementNeedsAHost()
    {
        AssertOnlyFailure(Check(Valid().Without("host")), "host", "is required when placement is pinned");
        AssertNoFailures(Check(Valid().Without("host").Set("placement", "auto")));
        AssertNoFailures(Check(Valid().Set("host", PropertyValue.Computed)));
    }

    [Theory]
    [InlineData("vcpus", 0, "must be between 1 and 256, got 0")]
    [InlineData("vcpus", 300, "must be between 1 and 256, got 300")]
    [InlineData("memoryMiB", 32, "must be between 64 and 4194304, got 32")]
    [InlineData("maxVcpus", 1, "must be at least vcpus (2), got 1")]
    [InlineData("maxMemoryMiB", 1024, "must be at least memoryMiB (2048), got 1024")]
    public void SizingIsBoundedAndHeadroomIsAtLeastCurrent(string field, int value, string message) =>
        AssertOnlyFailure(Check(Valid().Set(field, value)), field, message);

    [Fact]
    public void DisksNeedUniqueNamesAndSaneSizes()
    {
        var failures = Check(Valid().Set("disks", List(
            Obj(("name", "boot"), ("sizeGiB", 20)),
            Obj(("name", "boot"), ("sizeGiB", 0)),
            Obj(("name", "big"), ("sizeGiB", 70000), ("bus", "floppy")))));
        AssertFailure(failures, "disks[1].name", "disk name \"boot\" is already used by disks[0]");
        AssertFailure(failures, "disks[1].sizeGiB", "must be greater than 0, got 0 GiB");
        AssertFailure(failures, "disks[2].sizeGiB", "must be at most 65536 GiB, got 70000 GiB");
        AssertFailure(failures, "disks[2].bus", "is not one of virtio, scsi, sata");
        Assert.Equal(4, failures.Count);

        AssertOnlyFailure(Check(Valid().Set("disks", List())), "disks", "at least one disk; the first is the boot disk");
        AssertOnlyFailure(Check(Valid().Set("disks", List(Obj(("name", "boot"))))), "disks[0].sizeGiB", "missing required property 'sizeGiB'");
    }

    [Theory]
    [InlineData("52:54:00:12:34", "is not a MAC address")]
    [InlineData("52-54-00-12-34-56", "is not a MAC address")]
    [InlineData("01:00:5e:00:00:01", "is a multicast address")]
    [InlineData("00:00:00:00:00:00", "all-zero")]
    public void MacsAreWellFormedUnicast(string mac, string message) =>
        AssertOnlyFailure(Check(Valid().SetItem("networkInterfaces", 0, Obj(("name", "lan"), ("vlan", "dmz"), ("mac", mac)))), "networkInterfaces[0].mac", message);

    [Fact]
    public void MacsAndInterfaceNamesAreUnique()
    {
        var failures = Check(Valid().Set("networkInterfaces", List(
            Obj(("name", "lan"), ("vlan", "dmz"), ("mac", "52:54:00:ab:cd:01")),
            Obj(("name", "lan"), ("vlan", "22"), ("mac", "52:54:00:AB:CD:01")))));
        AssertFailure(failures, "networkInterfaces[1].name", "interface name \"lan\" is already used by networkInterfaces[0]");
        AssertFailure(failures, "networkInterfaces[1].mac", "is already used by networkInterfaces[0]");
        Assert.Equal(2, failures.Count);
    }

    [Fact]
    public void VlanIsAPortGroupNameOrAnId()
    {
        AssertOnlyFailure(Check(Valid().SetItem("networkInterfaces", 0, Obj(("name", "lan"), ("vlan", "5000")))), "networkInterfaces[0].vlan", "\"5000\": VLAN ids are 1-4094");
        AssertOnlyFailure(Check(Valid().SetItem("networkInterfaces", 0, Obj(("name", "lan"), ("vlan", "my vlan")))), "networkInterfaces[0].vlan", "give an OvsVlan's name or a VLAN id");
        AssertOnlyFailure(Check(Valid().SetItem("networkInterfaces", 0, Obj(("name", "lan")))), "networkInterfaces[0].vlan", "missing required property 'vlan'");
    }

    [Theory]
    [InlineData("debian-12@base", "names a snapshot")]
    [InlineData("a/b/c", "must be an image name or pool/name")]
    [InlineData(".mgr/debian", "reserved")]
    public void ImageReferencesAreNamesOrPoolSlashName(string image, string message) =>
        AssertOnlyFailure(Check(Valid().Set("image", image)), "image", message);

    [Fact]
    public void PoolSlashImageIsAccepted() => AssertNoFailures(Check(Valid().Set("image", "images/debian-12")));

    [Fact]
    public void UserDataWithATabIndentFailsWithLineAndColumn()
    {
        var userData = "#cloud-config\npackages:\n\t- nginx\n";
        var failures = Check(Valid().Set("cloudInit", Obj(("userData", userData))));
        AssertOnlyFailure(failures, "cloudInit.userData", "is not valid YAML: line 3, column 1:", "tab");
    }

    [Fact]
    public void UserDataWithAnUnclosedQuoteFailsAtTheQuote()
    {
        var userData = "#cloud-config\nruncmd:\n  - echo hi\n  - \"echo unterminated\nfinal_message: done\n";
        AssertOnlyFailure(Check(Valid().Set("cloudInit", Obj(("userData", userData)))), "cloudInit.userData",
            "line 4, column 5:", "double-quoted");
    }

    [Fact]
    public void UserDataWithoutAHeaderIsIgnoredByCloudInitSoItFails()
    {
        var failures = Check(Valid().Set("cloudInit", Obj(("userData", "packages:\n  - nginx\n"))));
        AssertOnlyFailure(failures, "cloudInit.userData", "line 1:", "#cloud-config");
    }

    [Fact]
    public void CloudConfigMustBeAMapping() =>
        AssertOnlyFailure(Check(Valid().Set("cloudInit", Obj(("userData", "#cloud-config\n- nginx\n")))), "cloudInit.userData", "line 2:", "must be a mapping");

    [Fact]
    public void ScriptsAndJinjaTemplatesAreNotParsedAsYaml()
    {
        AssertNoFailures(Check(Valid().Set("cloudInit", Obj(("userData", "#!/bin/sh\necho\t'unbalanced\n")))));
        AssertNoFailures(Check(Valid().Set("cloudInit", Obj(("userData", "## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}\n")))));
        AssertOnlyFailure(Check(Valid().Set("cloudInit", Obj(("userData", "## template: jinja\nhostname: x\n")))), "cloudInit.userData", "line 2:");
    }

    [Fact]
    public void MetaDataAndNetworkConfigMustBeYaml()
    {
        AssertOnlyFailure(Check(Valid().Set("cloudInit", Obj(("metaData", "{\"instance-id\": \"x\"")))), "cloudInit.metaData",
            "line 2, column 1:", "expected ',' or '}'");
        AssertOnlyFailure(Check(Valid().Set("cloudInit", Obj(("networkConfig", "version: 2\nethernets: [eth0}\n")))),
            "cloudInit.networkConfig", "line 2, column 17:", "expected ',' or ']'");
    }

    [Fact]
    public void UnknownValuesInPreviewAreNotFailures()
    {
        var news = Valid()
            .Set("vcpus", PropertyValue.Computed)
            .Set("memoryMiB", PropertyValue.Computed)
            .Set("image", PropertyValue.Computed)
            .Set("disks", List(Obj(("name", "boot"), ("sizeGiB", PropertyValue.Computed)), PropertyValue.Computed))
            .Set("networkInterfaces", List(Obj(("name", "lan"), ("vlan", PropertyValue.Computed), ("mac", PropertyValue.Computed))))
            .Set("cloudInit", Obj(("userData", PropertyValue.Computed)));
        AssertNoFailures(Check(news));
        AssertNoFailures(Check(Valid().Set("disks", PropertyValue.Computed).Set("cloudInit", PropertyValue.Computed)));
    }

    [Fact]
    public void ShrinkingADiskIsRefusedWithTheReasonWhileGrowingPasses()
    {
        var olds = Valid().SetItem("disks", 0, Obj(("name", "boot"), ("sizeGiB", 20)));
        var shrunk = olds.SetItem("disks", 0, Obj(("name", "boot"), ("sizeGiB", 10)));
        var (_, failures) = _vm.Check("web1", olds, shrunk);
        AssertOnlyFailure(failures, "disks[0].sizeGiB", "cannot shrink from 20 GiB to 10 GiB");

        var grown = olds.SetItem("disks", 0, Obj(("name", "boot"), ("sizeGiB", 40)));
        AssertNoFailures(_vm.Check("web1", olds, grown).Failures);
    }

    [Fact]
    public void ARemovedAndReAddedDiskOfAnotherNameIsNotAShrink()
    {
        var olds = Valid().SetItem("disks", 0, Obj(("name", "boot"), ("sizeGiB", 20)));
        var renamed = olds.SetItem("disks", 0, Obj(("name", "root"), ("sizeGiB", 10)));
        AssertNoFailures(_vm.Check("web1", olds, renamed).Failures);
    }
}
