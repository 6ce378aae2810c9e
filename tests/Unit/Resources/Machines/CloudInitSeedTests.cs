using Mvm.Resources.VirtualMachine;
using Mvm.Tools;

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

/// <summary>
/// The seed is built, imported, marked and its scratch directory removed in one round trip, with
/// exactly these commands; when the batch fails, the directory (which holds the user-data) is
/// removed in one more.
/// </summary>
public sealed class CloudInitSeedImportTests
{
    private const string Owner = "urn:pulumi:lab::vm::mvm:index:VirtualMachine::vm1";
    private static readonly Mvm.Tools.RbdImageRef Image = new("vms", "vm1-seed-0123abcd");
    private const string Dir = "/var/tmp/mvm-seed-vm1-seed-0123abcd";

    private static Tools.CephClients.ScriptedHost Host(int failAt = -1)
    {
        var n = 0;
        return new Tools.CephClients.ScriptedHost(argv =>
        {
            // The look-up says "no such image" (ENOENT); the batch's commands succeed up to failAt.
            var exit = argv.Contains("list") && argv.Contains("image-meta") ? 2 : n++ == failAt ? 1 : 0;
            return Task.FromResult(new Mvm.Transport.CommandResult("h3", argv, exit, [], System.Text.Encoding.UTF8.GetBytes(exit == 0 ? "" : "failed")));
        });
    }

    private static readonly CloudInitSeed Seed = CloudInitSeed.For("vm1", new CloudInit { UserData = "#cloud-config\n", NetworkConfig = "version: 2\n" })!;

    [Fact]
    public async Task TheSeedIsMadeImportedMarkedAndCleanedUpInOneRoundTrip()
    {
        var host = Host();
        await Seed.ImportAsync(new RemoteHost(host), Image, Owner, stateNamesIt: false, CancellationToken.None);
        Assert.Equal(2, host.RoundTrips); // the look-up, then the batch
        var batch = host.Calls.Skip(2).ToList(); // after the look-up and the script carrying the batch
        Assert.Equal(["rm", "-rf", Dir], batch[0]);
        Assert.Equal(["install", "-d", "-m", "0700", Dir], batch[1]);
        Assert.Equal(["install", "-m", "0600", "/dev/stdin", $"{Dir}/meta-data"], batch[2]);
        Assert.Equal(["install", "-m", "0600", "/dev/stdin", $"{Dir}/user-data"], batch[3]);
        Assert.Equal(["install", "-m", "0600", "/dev/stdin", $"{Dir}/network-config"], batch[4]);
        Assert.Equal(["xorriso", "-as", "mkisofs", "-quiet", "-output", $"{Dir}/seed.iso", "-V", "cidata", "-J", "-r",
            $"{Dir}/meta-data", $"{Dir}/user-data", $"{Dir}/network-config"], batch[5]);
        Assert.Equal("rbd", batch[6][0]);
        Assert.Equal(["import", "--dest-pool", "vms", "--dest", "vm1-seed-0123abcd", "--no-progress", $"{Dir}/seed.iso"], batch[6][^7..]);
        Assert.Equal(["rm", "-rf", Dir], batch[7]);
        Assert.Equal(["image-meta", "set", "--pool", "vms", "--image", "vm1-seed-0123abcd", "mvm.owner", Owner], batch[8][^8..]);
        Assert.Equal(9, batch.Count);
    }

    [Fact]
    public async Task AFailedBatchStillRemovesTheDirectoryHoldingTheUserData()
    {
        var host = Host(failAt: 5); // xorriso fails
        await Assert.ThrowsAnyAsync<Exception>(() => Seed.ImportAsync(new RemoteHost(host), Image, Owner,
            stateNamesIt: false, CancellationToken.None));
        Assert.Equal(3, host.RoundTrips);
        Assert.Equal(["rm", "-rf", Dir], host.Calls[^1]);
    }
}
