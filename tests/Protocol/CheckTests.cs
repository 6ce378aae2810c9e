using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Values;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// Check over the wire for every resource: failures on exact property paths, unknown properties reported,
/// preview unknowns not reported, secrets wrapped in the returned inputs, defaults filled in.
/// </summary>
public sealed class CheckTests(ConfiguredSession fixture) : IClassFixture<ConfiguredSession>
{
    private const string Hosts3 = """
        [{"name":"h1","address":"10.0.0.11","dataDevices":["/dev/vdb"]},
         {"name":"h2","address":"10.0.0.12","dataDevices":["/dev/vdb"]},
         {"name":"h3","address":"10.0.0.13","dataDevices":["/dev/vdb"]}]
        """;

    public static TheoryData<string, string, string, string> BadInputs() => new()
    {
        // type, news (JSON), exact failing path, reason fragment
        { "mvm:index:MvmCluster", $$"""{"computeVlans":["10","22-5000"],"hosts":{{Hosts3}}}""", "computeVlans[1]", "4094" },
        { "mvm:index:MvmCluster", $$"""{"computeVlans":["22-25","24"],"hosts":{{Hosts3}}}""", "computeVlans[1]", "overlaps" },
        { "mvm:index:MvmCluster", """{"hosts":[{"name":"h1","address":"10.0.0.11","dataDevices":["/dev/vdb"]},{"name":"h2","address":"10.0.0.12","dataDevices":["/dev/vdb","vdc"]},{"name":"h3","address":"10.0.0.13","dataDevices":["/dev/vdb"]}]}""", "hosts[1].dataDevices[1]", "/dev/vdc" },
        { "mvm:index:MvmCluster", """{"hosts":[{"name":"h1","address":"10.0.0.11","dataDevices":["/dev/vdb"]}]}""", "hosts", "at least 3" },
        { "mvm:index:MvmCluster", $$"""{"cephPublicNetwork":"10.0.10.5/24","hosts":{{Hosts3}}}""", "cephPublicNetwork", "10.0.10.0/24" },
        { "mvm:index:MvmHost", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","address":"root@10.0.0.5"}""", "address", "sshUser" },
        { "mvm:index:MvmHost", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","address":"10.0.0.5","sshPort":0}""", "sshPort", "65535" },
        { "mvm:index:CephPool", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","pgNum":100}""", "pgNum", "nearest: 64 or 128" },
        { "mvm:index:CephPool", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","size":2,"minSize":3}""", "minSize", "at most size (2)" },
        { "mvm:index:OvsVlan", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","vlanId":4095}""", "vlanId", "4094" },
        { "mvm:index:VirtualImage", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","source":"https://example.com/d.qcow2","checksum":"sha256:abc"}""", "checksum", "64 hex" },
        { "mvm:index:VirtualImage", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","source":"images/d.qcow2"}""", "source", "absolute" },
        { "mvm:index:VirtualMachine", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","vcpus":1,"memoryMiB":512,"disks":[{"name":"root","sizeGiB":4},{"name":"data","sizeGiB":0}]}""", "disks[1].sizeGiB", "greater than 0" },
        { "mvm:index:VirtualMachine", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","vcpus":1,"memoryMiB":512,"disks":[{"name":"root","sizeGiB":4}],"networkInterfaces":[{"name":"lan","vlan":"22","mac":"52:54:00:zz:00:01"}]}""", "networkInterfaces[0].mac", "52:54:00:zz:00:01" },
        { "mvm:index:VirtualMachine", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","vcpus":1,"memoryMiB":512,"disks":[{"name":"root","sizeGiB":4}],"cloudInit":{"userData":"#cloud-config\nusers: [a\n"}}""", "cloudInit.userData", "line" },
        { "mvm:index:VirtualMachine", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","memoryMiB":512,"disks":[{"name":"root","sizeGiB":4}]}""", "vcpus", "missing required property" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_fails_on_the_exact_path(string type, string news, string path, string reason)
    {
        var r = await fixture.CheckAsync(type, "r1", PropertyValues.StructFromJson(news));
        Assert.Contains(reason, Wire.FailureAt(r, path).Reason);
    }

    [Theory]
    [InlineData("mvm:index:OvsVlan", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","vlanld":22}""", "vlanld", "did you mean 'vlanId'")]
    [InlineData("mvm:index:MvmCluster", """{"hosts":[{"name":"h1","adress":"10.0.0.11"}],"layout":"standard"}""", "hosts[0].adress", "did you mean 'address'")]
    [InlineData("mvm:index:VirtualMachine", """{"connectString":"mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19","vcpus":1,"memoryMiB":512,"disks":[{"name":"root","sizeGiB":4,"sizeGB":4}]}""", "disks[0].sizeGB", "unknown property")]
    public async Task Unknown_properties_are_reported(string type, string news, string path, string reason)
    {
        var r = await fixture.CheckAsync(type, "r1", PropertyValues.StructFromJson(news));
        Assert.Contains(reason, Wire.FailureAt(r, path).Reason);
    }

    [Fact]
    public async Task Preview_unknowns_are_not_reported_and_come_back_unknown()
    {
        var pool = await fixture.CheckAsync("mvm:index:CephPool", "p", new
        {
            connectString = Unknowns.Of(),
            pgNum = Unknowns.Of(UnknownKind.Number),
            size = Unknowns.Of(UnknownKind.Number),
            minSize = 2,
        });
        Assert.True(pool.Failures.Count == 0, Wire.Failures(pool));
        Assert.True(Unknowns.IsUnknown(PropertyValues.Unwrap(Wire.Field(pool.Inputs, "pgNum"))));
        Assert.True(Unknowns.IsUnknown(PropertyValues.Unwrap(Wire.Field(pool.Inputs, "connectString"))));

        // hci needs data devices per host — unless they are not known yet.
        var cluster = await fixture.CheckAsync("mvm:index:MvmCluster", "c", new
        {
            hosts = new object[]
            {
                new { name = "h1", address = "10.0.0.11", dataDevices = Unknowns.Of(UnknownKind.Array) },
                new { name = "h2", address = Unknowns.Of(), dataDevices = new[] { "/dev/vdb" } },
                new { name = "h3", address = "10.0.0.13", dataDevices = new object[] { Unknowns.Of() } },
            },
            computeVlans = Unknowns.Of(UnknownKind.Array),
        });
        Assert.True(cluster.Failures.Count == 0, Wire.Failures(cluster));

        var vm = await fixture.CheckAsync("mvm:index:VirtualMachine", "vm", new
        {
            connectString = Unknowns.Of(),
            placement = "pinned",
            host = Unknowns.Of(),
            vcpus = Unknowns.Of(UnknownKind.Number),
            memoryMiB = 512,
            disks = new[] { new { name = "root", sizeGiB = 4 } },
            image = Unknowns.Of(),
        });
        Assert.True(vm.Failures.Count == 0, Wire.Failures(vm));
    }

    [Fact]
    public async Task Secret_inputs_sent_in_plaintext_come_back_wrapped()
    {
        var host = await fixture.CheckedAsync("mvm:index:MvmHost", "h4", new
        {
            connectString = TestConnectString.Value, // plaintext, as the engine sends it without the secret marker
            address = "10.0.0.14",
            sshPassword = "plain-pw",
            sshPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        });
        foreach (var key in new[] { "sshPassword", "sshPrivateKey", "connectString" })
            Assert.True(PropertyValues.IsSecret(Wire.Field(host, key)), $"{key} came back in plaintext: {PropertyValues.ToJson(host)}");
        Assert.Equal("plain-pw", PropertyValues.Unwrap(Wire.Field(host, "sshPassword")).StringValue);
        Assert.False(PropertyValues.IsSecret(Wire.Field(host, "address")));

        // Nested: a host's password inside the cluster's list.
        var cluster = await fixture.CheckedAsync("mvm:index:MvmCluster", "c", new
        {
            layout = "standard",
            hosts = new[] { new { name = "h1", address = "10.0.0.11", sshPassword = "nested-pw" } },
        });
        var h1 = PropertyValues.Unwrap(Wire.Field(cluster, "hosts")).ListValue.Values[0];
        var fields = PropertyValues.Unwrap(h1).StructValue;
        Assert.True(PropertyValues.IsSecret(Wire.Field(fields, "sshPassword")), PropertyValues.ToJson(cluster));

        // A value the engine already marked secret stays secret (and is not double-wrapped).
        var vlan = await fixture.CheckedAsync("mvm:index:OvsVlan", "web", new { connectString = PropertyValues.Secret(TestConnectString.Value), vlanId = 22 });
        var cs = Wire.Field(vlan, "connectString");
        Assert.True(PropertyValues.IsSecret(cs));
        Assert.Equal(TestConnectString.Value, PropertyValues.Unwrap(cs).StringValue);
    }

    [Fact]
    public async Task Defaults_are_filled_in()
    {
        var pool = await fixture.CheckedAsync("mvm:index:CephPool", "vms", new { connectString = TestConnectString.Value });
        Assert.Equal("vms", Wire.Text(pool, "name"));
        Assert.Equal("replicated", Wire.Text(pool, "type"));
        Assert.Equal("rbd", Wire.Text(pool, "application"));
        Assert.Equal("on", Wire.Text(pool, "autoscale"));
        Assert.False(PropertyValues.Unwrap(Wire.Field(pool, "forceDestroy")).BoolValue);

        var fixedPgs = await fixture.CheckedAsync("mvm:index:CephPool", "vms", new { connectString = TestConnectString.Value, pgNum = 64 });
        Assert.Equal("off", Wire.Text(fixedPgs, "autoscale"));

        var cluster = await fixture.CheckedAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(Clusters.ThreeHosts()));
        Assert.Equal("hci", Wire.Text(cluster, "layout"));
        Assert.Equal("mvm-vms", Wire.Text(cluster, "vmPool"));
        Assert.Equal("br-mvm", Wire.Text(cluster, "ovsBridge"));
        Assert.Equal(3, Wire.Number(cluster, "defaultPoolSize"));
        Assert.Equal(2, Wire.Number(cluster, "defaultPoolMinSize"));
        Assert.Equal("kvm", Wire.Text(cluster, "domainType"));

        var vm = await fixture.CheckedAsync("mvm:index:VirtualMachine", "web1", new
        {
            connectString = TestConnectString.Value, vcpus = 1, memoryMiB = 512,
            disks = new[] { new { name = "root", sizeGiB = 4 } },
            networkInterfaces = new[] { new { name = "lan", vlan = "22" } },
        });
        Assert.Equal("web1", Wire.Text(vm, "name"));
        Assert.Equal("running", Wire.Text(vm, "powerState"));
        var disk = PropertyValues.Unwrap(Wire.Field(vm, "disks")).ListValue.Values[0].StructValue;
        Assert.Equal("virtio", Wire.Text(disk, "bus"));
        var nic = PropertyValues.Unwrap(Wire.Field(vm, "networkInterfaces")).ListValue.Values[0].StructValue;
        Assert.Equal("virtio", Wire.Text(nic, "model"));
    }

    [Fact]
    public async Task Check_with_olds_refuses_a_disk_shrink()
    {
        var olds = await fixture.CheckedAsync("mvm:index:VirtualMachine", "vm", new
        {
            connectString = TestConnectString.Value, vcpus = 1, memoryMiB = 512, disks = new[] { new { name = "root", sizeGiB = 10 } },
        });
        var r = await fixture.CheckAsync("mvm:index:VirtualMachine", "vm",
            new { connectString = TestConnectString.Value, vcpus = 1, memoryMiB = 512, disks = new[] { new { name = "root", sizeGiB = 8 } } },
            olds);
        Assert.Contains("cannot shrink from 10 GiB to 8 GiB", Wire.FailureAt(r, "disks[0].sizeGiB").Reason);
    }

    [Fact]
    public async Task Check_of_an_unknown_type_fails_naming_the_known_types()
    {
        var e = await Assert.ThrowsAsync<Mvm.EngineHarness.Grpc.RpcFailure>(() => fixture.CheckAsync("mvm:index:Cluster", "c", new Struct()));
        Assert.Contains("mvm:index:MvmCluster", e.StatusMessage);
    }
}
