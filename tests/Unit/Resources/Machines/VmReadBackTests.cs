using Mvm.Resources.VirtualMachine;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// The read that ends a create: it finds the new domain on the host it was just defined on and
/// takes the VLAN networks the create already read there, instead of reading them again.
/// </summary>
public sealed class VmReadBackTests
{
    private readonly SimulatedVmCluster _c = new();
    private static readonly VmNetworks Vlan22 = new(new Dictionary<string, (int, string)> { ["mvm-vlan22"] = (22, "vlan22") });

    [Fact]
    public async Task NetworksReadByTheCreateOnTheSameHostAreNotReadAgain()
    {
        var state = new VirtualMachineState { CurrentHost = "h1" };

        Assert.True(await VirtualMachine.ReadIntoAsync(state, _c.Connection(), SimulatedVmCluster.VmUuid, _c.Ctx(), ("h1", Vlan22)));

        Assert.Equal("h1", state.CurrentHost);
        Assert.Equal(0, _c.NetworkReads("h1"));
        Assert.Equal(0, _c.CephCalls);
    }

    [Fact]
    public async Task NetworksOfAnotherHostAreNotTakenForTheOneThatHasTheVm()
    {
        var state = new VirtualMachineState { CurrentHost = "h1" };

        Assert.True(await VirtualMachine.ReadIntoAsync(state, _c.Connection(), SimulatedVmCluster.VmUuid, _c.Ctx(), ("h2", Vlan22)));

        Assert.Equal(1, _c.NetworkReads("h1"));
        Assert.Empty(_c.Hosts["h2"].Lines);
    }
}
