using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.MvmCluster;

namespace Mvm.Tests.Unit.Resources;

public class MvmClusterCheckTests
{
    private readonly MvmCluster _cluster = new();

    private static ObjectProperty Host(string name, string address, params string[] devices) =>
        Obj(("name", name), ("address", address), ("dataDevices", devices));

    private static ObjectProperty Valid() => Obj(
        ("layout", "hci"),
        ("hosts", List(
            Host("hv1", "10.0.0.11", "/dev/vdb").Set("hostKey", HostKey).Set("sshPrivateKey", Secret(PrivateKey)),
            Host("hv2", "10.0.0.12", "/dev/vdb", "/dev/disk/by-id/virtio-data2").Set("managementInterface", "eth0").Set("computeInterface", "eth1.100"),
            Host("hv3", "hv3.lab.example", "/dev/vdb").Set("sshPort", 2222).Set("jumpHosts", List(Obj(("address", "bastion.example"), ("port", 22)))))),
        ("computeVlans", List("1", "22-25", 30)),
        ("cephPublicNetwork", "10.0.10.0/24"),
        ("cephClusterNetwork", "fd00:20::/64"),
        ("defaultPoolSize", 3));

    private IReadOnlyList<CheckFailureInfo> Check(ObjectProperty news, string name = "lab") => Failures(_cluster, news, name);

    [Fact]
    public void ValidClusterPassesAndGetsItsDefaults()
    {
        var (inputs, failures) = _cluster.Check("lab", ObjectProperty.Empty, Valid());
        AssertNoFailures(failures);
        Assert.Equal("lab", (inputs["name"] as StringProperty)?.Value);
        Assert.Equal(2, (inputs["defaultPoolMinSize"] as NumberProperty)?.Value);
        Assert.Equal("host-model", (inputs["cpuModel"] as StringProperty)?.Value);
        Assert.Equal("kvm", (inputs["domainType"] as StringProperty)?.Value);
        Assert.Equal("system", (inputs["ovsDatapath"] as StringProperty)?.Value);
        Assert.Equal("x86_64", (inputs["cpuType"] as StringProperty)?.Value);
        Assert.Equal(4, (inputs["minimumMemoryGiB"] as NumberProperty)?.Value);
        Assert.Equal(4, (inputs["memoryPerOsdGiB"] as NumberProperty)?.Value);
    }

    [Fact]
    public void SecretHostFieldsStaySecretInCheckedInputs()
    {
        var (inputs, _) = _cluster.Check("lab", ObjectProperty.Empty, Valid().SetItem("hosts", 1,
            Host("hv2", "10.0.0.12", "/dev/vdb").Set("sshPassword", "hunter2")));
        var host = (ObjectProperty)((ArrayProperty)inputs["hosts"]!).Items[1];
        Assert.True(host["sshPassword"]!.IsSecret);
    }

    [Fact]
    public void MinSizeDefaultFollowsCephRuleForSmallSizes()
    {
        var news = Valid().Set("defaultPoolSize", 1);
        var (inputs, failures) = _cluster.Check("lab", ObjectProperty.Empty, news);
        AssertNoFailures(failures);
        Assert.Equal(1, (inputs["defaultPoolMinSize"] as NumberProperty)?.Value);
    }

    [Theory]
    [InlineData("22-5000", "\"22-5000\": VLAN ids are 1-4094, got 5000")]
    [InlineData("0", "VLAN ids are 1-4094, got 0")]
    [InlineData("4095", "VLAN ids are 1-4094, got 4095")]
    [InlineData("25-22", "the range is reversed; write \"22-25\"")]
    [InlineData("22,23", "put each VLAN id or range in its own list item")]
    [InlineData("vlan22", "expected a VLAN id like \"22\" or a range like \"22-25\"")]
    public void BadVlanItemFailsOnItsIndex(string item, string message)
    {
        var failures = Check(Valid().Set("computeVlans", List(item, "100")));
        AssertOnlyFailure(failures, "computeVlans[0]", message);
    }

    [Fact]
    public void OverlappingVlansFailOnTheLaterItem()
    {
        var failures = Check(Valid().Set("computeVlans", List("22-25", "30", "24")));
        AssertOnlyFailure(failures, "computeVlans[2]", "\"24\" overlaps \"22-25\" (computeVlans[0])");
    }

    [Fact]
    public void HciNeedsThreeHostsAndSaysHowMany()
    {
        var news = Valid().Set("hosts", List(Host("hv1", "10.0.0.11", "/dev/vdb"), Host("hv2", "10.0.0.12", "/dev/vdb")));
        AssertFailure(Check(news), "hosts", "layout hci needs at least 3 hosts", "got 2");
    }

    [Fact]
    public void StandardLayoutNeedsOneHostAndNoDataDevices()
    {
        var one = Valid().Set("layout", "standard").Set("hosts", List(Obj(("name", "hv1"), ("address", "10.0.0.11"))))
            .Without("cephPublicNetwork").Without("cephClusterNetwork");
        AssertNoFailures(Check(one));

        AssertFailure(Check(one.Set("hosts", List())), "hosts", "layout standard needs at least 1 host, got 0");
        AssertFailure(Check(one.Set("hosts", List(Host("hv1", "10.0.0.11", "/dev/vdb")))), "hosts[0].dataDevices", "layout standard runs no Ceph");
        AssertFailure(Check(one.Set("cephPublicNetwork", "10.0.10.0/24")), "cephPublicNetwork", "applies only to layout hci");
    }

    [Fact]
    public void HciHostWithoutDataDevicesFails()
    {
        var failures = Check(Valid().SetItem("hosts", 2, Obj(("name", "hv3"), ("address", "10.0.0.13"))));
        AssertOnlyFailure(failures, "hosts[2].dataDevices", "at least one data device per host");
    }

    [Fact]
    public void DataDevicesMustBeAbsoluteDevPathsUniquePerHost()
    {
        var failures = Check(Valid().SetItem("hosts", 2, Host("hv3", "10.0.0.13", "/dev/vdb", "vdc")));
        AssertOnlyFailure(failures, "hosts[2].dataDevices[1]", "\"vdc\" must be an absolute device path under /dev/", "e.g. \"/dev/vdc\"");

        failures = Check(Valid().SetItem("hosts", 0, Host("hv1", "10.0.0.11", "/dev/vdb", "/dev/vdb")));
        AssertOnlyFailure(failures, "hosts[0].dataDevices[1]", "device \"/dev/vdb\" is already used by hosts[0].dataDevices[0]");

        failures = Check(Valid().SetItem("hosts", 0, Host("hv1", "10.0.0.11", "/dev/../etc/passwd")));
        AssertOnlyFailure(failures, "hosts[0].dataDevices[0]", "'..'");
    }

    [Fact]
    public void HostNamesAndAddressesMustBeUnique()
    {
        var failures = Check(Valid().SetItem("hosts", 2, Host("HV1", "10.0.0.11", "/dev/vdb")));
        AssertFailure(failures, "hosts[2].name", "host name \"HV1\" is already used by hosts[0]");
        AssertFailure(failures, "hosts[2].address", "address \"10.0.0.11\" is already used by hosts[0]");
        Assert.Equal(2, failures.Count);
    }

    [Fact]
    public void SameAddressBehindDifferentPortsIsAllowed()
    {
        var news = Valid().Set("hosts", List(
            Host("hv1", "127.0.0.1", "/dev/vdb").Set("sshPort", 2201),
            Host("hv2", "127.0.0.1", "/dev/vdb").Set("sshPort", 2202),
            Host("hv3", "127.0.0.1", "/dev/vdb").Set("sshPort", 2203)));
        AssertNoFailures(Check(news));
    }

    [Theory]
    [InlineData("managementInterface", "eno1np0-very-long", "1-15 characters")]
    [InlineData("storageInterface", "eth0:1", "must be a Linux interface name: letters, digits, '_', '.' or '-'")]
    [InlineData("computeInterface", "br 0", "must be a Linux interface name: letters, digits, '_', '.' or '-'")]
    [InlineData("computeInterface", "eth0\n", "\"eth0\\n\" must be a Linux interface name")]
    [InlineData("computeInterface", "-eth0", "not starting with '.' or '-'")]
    [InlineData("computeInterface", "", "1-15 characters")]
    public void InterfaceNamesFollowLinuxRules(string field, string value, string message)
    {
        var failures = Check(Valid().SetItem("hosts", 1, Host("hv2", "10.0.0.12", "/dev/vdb").Set(field, value)));
        AssertOnlyFailure(failures, $"hosts[1].{field}", message);
    }

    [Theory]
    [InlineData("address", "root@10.0.0.11", "put the login user in sshUser")]
    [InlineData("address", "10.0.0.11:22", "put the port in sshPort")]
    [InlineData("address", "10.0.0.300", "not a valid IPv4 address")]
    [InlineData("address", "host name", "without spaces")]
    [InlineData("sshUser", "-oProxyCommand=x", "is not a login name")]
    [InlineData("hostKey", "ssh-ed25519", "must be a public key")]
    [InlineData("hostKey", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAYLQm67VoXfg66Q8TeI/eG/Nfb8XW/h4FPGUfiMNQff", "is a ssh-ed25519 key but the line says ssh-rsa")]
    [InlineData("hostKey", "hv1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAYLQm67VoXfg66Q8TeI/eG/Nfb8XW/h4FPGUfiMNQff", "drop the leading host name")]
    [InlineData("hostKey", "ssh-ed25519 not*base64", "is not valid base64 of an SSH public key")]
    public void SshSettingsAreCheckedPerHost(string field, string value, string message)
    {
        var failures = Check(Valid().SetItem("hosts", 0, Host("hv1", "10.0.0.11", "/dev/vdb").Set(field, value)));
        AssertOnlyFailure(failures, $"hosts[0].{field}", message);
    }

    [Fact]
    public void SshPortAndJumpHostsAreChecked()
    {
        var host = Host("hv1", "10.0.0.11", "/dev/vdb").Set("sshPort", 70000)
            .Set("jumpHosts", List(Obj(("address", "bastion"), ("port", 0), ("hostKey", "nope"))));
        var failures = Check(Valid().SetItem("hosts", 0, host));
        AssertFailure(failures, "hosts[0].sshPort", "must be between 1 and 65535, got 70000");
        AssertFailure(failures, "hosts[0].jumpHosts[0].port", "must be between 1 and 65535, got 0");
        AssertFailure(failures, "hosts[0].jumpHosts[0].hostKey", "must be a public key");
        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public void PrivateKeyPathIsRejectedWithoutEchoingTheSecret()
    {
        const string path = "/home/me/.ssh/id_ed25519";
        var failures = Check(Valid().SetItem("hosts", 0, Host("hv1", "10.0.0.11", "/dev/vdb").Set("sshPrivateKey", Secret(path))));
        var failure = AssertFailure(failures, "hosts[0].sshPrivateKey", "looks like a file path", "readFileSync");
        Assert.DoesNotContain(path, failure.Reason);
    }

    [Theory]
    [InlineData("cephPublicNetwork", "10.0.10.0", "must be a network in CIDR notation")]
    [InlineData("cephPublicNetwork", "10.0.10.5/24", "has host bits set; did you mean \"10.0.10.0/24\"?")]
    [InlineData("cephClusterNetwork", "10.0.10.0/33", "the prefix length must be 0-32")]
    [InlineData("cephClusterNetwork", "10.0.300.0/24", "is not an IPv4 or IPv6 address")]
    public void CephNetworksMustBeCidrs(string field, string value, string message) =>
        AssertOnlyFailure(Check(Valid().Set(field, value)), field, message);

    [Fact]
    public void PoolSizesAreBoundedAndConsistent()
    {
        AssertOnlyFailure(Check(Valid().Set("defaultPoolSize", 11)), "defaultPoolSize", "must be between 1 and 10, got 11");
        AssertOnlyFailure(Check(Valid().Set("defaultPoolSize", 2).Set("defaultPoolMinSize", 3)), "defaultPoolMinSize", "must be at most defaultPoolSize (2), got 3");
        AssertOnlyFailure(Check(Valid().Set("defaultPoolSize", 4)), "defaultPoolSize", "at most the number of hosts (3)");
    }

    [Fact]
    public void NameDefaultsToTheResourceNameAndMustBeADnsLabel()
    {
        AssertOnlyFailure(Check(Valid(), name: "my_cluster"), "name", "\"my_cluster\" must be 1-63 letters, digits or '-'", "set `name` explicitly");
        AssertNoFailures(Check(Valid().Set("name", "prod-1"), name: "my_cluster"));
        AssertOnlyFailure(Check(Valid().Set("name", "-bad")), "name", "starting and ending with a letter or digit");
    }

    [Fact]
    public void EnumsOutsideTheirValuesFail()
    {
        AssertOnlyFailure(Check(Valid().Set("cpuType", "aarch64")), "cpuType", "\"aarch64\" is not one of x86_64");
        AssertOnlyFailure(Check(Valid().Set("layout", "hyper")), "layout", "is not one of hci, standard");
        AssertOnlyFailure(Check(Valid().Set("domainType", "xen")), "domainType", "is not one of kvm, qemu");
    }

    [Fact]
    public void MisspelledPropertyIsReportedWithASuggestion()
    {
        var failures = Check(Valid().Set("computeVlan", List("22")));
        AssertOnlyFailure(failures, "computeVlan", "unknown property 'computeVlan'", "did you mean 'computeVlans'?");

        failures = Check(Valid().SetItem("hosts", 0, Host("hv1", "10.0.0.11", "/dev/vdb").Set("dataDevice", "/dev/vdc")));
        AssertOnlyFailure(failures, "hosts[0].dataDevice", "did you mean 'dataDevices'?");
    }

    [Fact]
    public void MissingRequiredHostFieldsAreReported()
    {
        var failures = Check(Valid().SetItem("hosts", 1, Obj(("address", "10.0.0.12"), ("dataDevices", List("/dev/vdb")))));
        AssertOnlyFailure(failures, "hosts[1].name", "missing required property 'name'");
    }

    [Fact]
    public void UnknownValuesInPreviewAreNotFailures()
    {
        // Every value that could fail a rule is unknown: nothing may be reported.
        var news = Obj(
            ("name", PropertyValue.Computed),
            ("layout", PropertyValue.Computed),
            ("hosts", List(
                Obj(("name", PropertyValue.Computed), ("address", PropertyValue.Computed), ("dataDevices", PropertyValue.Computed)),
                PropertyValue.Computed)),
            ("computeVlans", List(PropertyValue.Computed, "22")),
            ("cephPublicNetwork", PropertyValue.Computed),
            ("defaultPoolSize", PropertyValue.Computed),
            ("defaultPoolMinSize", PropertyValue.Computed));
        AssertNoFailures(Check(news));

        // An unknown host list and unknown data devices in an hci cluster are not "missing".
        AssertNoFailures(Check(Valid().Set("hosts", PropertyValue.Computed)));
        AssertNoFailures(Check(Valid().SetItem("hosts", 0, Obj(("name", "hv1"), ("address", "10.0.0.11"), ("dataDevices", PropertyValue.Computed)))));
    }

    [Fact]
    public void UnknownPoolSizeLeavesMinSizeUnset()
    {
        var (inputs, failures) = _cluster.Check("lab", ObjectProperty.Empty, Valid().Set("defaultPoolSize", PropertyValue.Computed));
        AssertNoFailures(failures);
        Assert.Null(inputs["defaultPoolMinSize"]);
    }

    [Fact]
    public void CephConfigTakesWhatCephConfigSetTakes()
    {
        // What `ceph config set` took on h3 (Ceph 16.2.15): see Ceph.ConfigOptionProblem / ConfigValueProblem.
        AssertNoFailures(Check(Valid().Set("cephConfig", Obj(("mon_data_avail_warn", "5"), ("osd_memory_target", "939524096"),
            ("mon_max_pg_per_osd", "-1"), ("log_file", "/var/log/ceph/x y.log"), ("mgr/balancer/mode", "upmap")))));
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("bad key", "5")))), "cephConfig[\"bad key\"]", "\"bad key\" is not a Ceph option name");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("osd_max_backfills\n", "5")))), "cephConfig[\"osd_max_backfills\\n\"]", "\"osd_max_backfills\\n\" is not a Ceph option name");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("osd-max-backfills", "5")))), "cephConfig[\"osd-max-backfills\"]", "is not a Ceph option name");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("OSD_MAX_BACKFILLS", "5")))), "cephConfig.OSD_MAX_BACKFILLS", "is not a Ceph option name");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("log_file", "é")))), "cephConfig.log_file", "\"é\" must be printable ASCII");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("log_file", "x\n")))), "cephConfig.log_file", "\"x\\n\" must be printable ASCII");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("log_file", "--help")))), "cephConfig.log_file", "must not start with \"--\"");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("log_file", " x")))), "cephConfig.log_file", "must not start or end with a space");
        AssertOnlyFailure(Check(Valid().Set("cephConfig", Obj(("log_file", "")))), "cephConfig.log_file", "is empty");
    }

    [Fact]
    public void CephConfigIsRefusedForTheStandardLayout()
    {
        var standard = Valid().Set("layout", "standard").Without("cephPublicNetwork").Without("cephClusterNetwork")
            .Set("hosts", List(Obj(("name", "hv1"), ("address", "10.0.0.11"))));
        AssertOnlyFailure(Check(standard.Set("cephConfig", Obj(("mon_data_avail_warn", "5")))), "cephConfig", "applies only to layout hci");
    }
}
