using Mvm.Resources.VirtualMachine;
using Mvm.Tests.Unit.Resources.Cluster;
using Mvm.Tests.Unit.Tools.CephClients;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// A VM whose state holds a disk image name the Rbd client refuses — what Check let through
/// before its patterns were anchored (`data\n`): the create stopped when that disk was to be made,
/// and the delete must not then fail forever asking about it.
/// </summary>
public sealed class VmDeleteUnnameableTests
{
    [Fact]
    public async Task DeleteRemovesTheDisksThatCanExistAndSkipsTheNameNoRbdCommandTakes()
    {
        var cluster = new SimulatedVmCluster { VmOn = "none" }; // the domain was never defined
        var removed = new List<string>();
        cluster.Extra = (host, argv) =>
        {
            if (argv[0] != "rbd") return null;
            var image = argv.SkipWhile(a => a != "--image").Skip(1).FirstOrDefault();
            if (argv.Contains("info"))
                return image == "web1-boot"
                    ? CapturedRun.Load("rbd-16.2.15-info").As(argv, host)
                    : CapturedRun.Load("rbd-16.2.15-info-missing-image").As(argv, host);
            if (argv.Contains("ls")) return ClusterTestHost.Result(argv, 0, "[]");
            if (argv.Contains("rm"))
            {
                removed.Add(image!);
                return ClusterTestHost.Result(argv, 0, "", "Removing image: 100% complete...done.\n");
            }
            return null;
        };
        var state = new VirtualMachineState
        {
            ConnectString = Mvm.Cluster.ConnectString.Encode(cluster.Connection().Info),
            Name = "web1",
            Uuid = SimulatedVmCluster.VmUuid,
            CurrentHost = "h1",
            AttachedDisks =
            [
                new VmDiskState { Name = "boot", RbdImage = "mvm-vms/web1-boot", SizeGiB = 3 },
                new VmDiskState { Name = "data\n", RbdImage = "mvm-vms/web1-data\n", SizeGiB = 1 },
            ],
        };

        await TypedCrud.DeleteAsync(SimulatedVmCluster.VmUuid, state, cluster.Ctx());

        Assert.Equal(["web1-boot"], removed);
        var all = cluster.Hosts.Values.SelectMany(h => h.Lines).ToList();
        Assert.DoesNotContain(all, line => line.Contains("web1-data", StringComparison.Ordinal));
    }
}
