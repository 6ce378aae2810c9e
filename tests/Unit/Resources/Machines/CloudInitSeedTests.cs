using Mvm.Resources.VirtualMachine;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>The NoCloud seed's files and the instance-id that makes a guest re-run cloud-init.</summary>
public sealed class CloudInitSeedTests
{
    [Fact]
    public void NoCloudInitNoSeed()
    {
        Assert.Null(CloudInitSeed.For("vm1", null));
        Assert.Null(CloudInitSeed.For("vm1", new CloudInit()));
    }

    [Fact]
    public void MetaDataGetsTheInstanceIdAndHostnameUnlessTheUserSetThem()
    {
        var seed = CloudInitSeed.For("vm1", new CloudInit { UserData = "#cloud-config\n" })!;
        Assert.Equal($"instance-id: {seed.InstanceId}\nlocal-hostname: vm1\n", seed.Files["meta-data"]);
        Assert.Equal("#cloud-config\n", seed.Files["user-data"]);
        Assert.False(seed.Files.ContainsKey("network-config"));

        var own = CloudInitSeed.For("vm1", new CloudInit { MetaData = "local-hostname: web\n", NetworkConfig = "version: 2\n" })!;
        Assert.Equal($"local-hostname: web\ninstance-id: {own.InstanceId}\n", own.Files["meta-data"]);
        Assert.Equal("", own.Files["user-data"]);
        Assert.Equal("version: 2\n", own.Files["network-config"]);
    }

    [Fact]
    public void TheInstanceIdFollowsTheContentAndTheVm()
    {
        var a = CloudInitSeed.For("vm1", new CloudInit { UserData = "#cloud-config\nhostname: a\n" })!;
        Assert.Equal(a.InstanceId, CloudInitSeed.For("vm1", new CloudInit { UserData = "#cloud-config\nhostname: a\n" })!.InstanceId);
        Assert.NotEqual(a.InstanceId, CloudInitSeed.For("vm1", new CloudInit { UserData = "#cloud-config\nhostname: b\n" })!.InstanceId);
        Assert.NotEqual(a.InstanceId, CloudInitSeed.For("vm2", new CloudInit { UserData = "#cloud-config\nhostname: a\n" })!.InstanceId);
        Assert.Matches("^mvm-[0-9a-f]{16}$", a.InstanceId);
        Assert.Equal("vms/vm1-seed-" + a.InstanceId[^8..], VmLayout.SeedImage("vms", "vm1", a.InstanceId).ToString());
    }
}
