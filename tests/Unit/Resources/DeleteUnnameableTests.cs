using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework.Config;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;
using Mvm.Resources.Shared;
using Mvm.Resources.VirtualImage;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources;

/// <summary>
/// State written before Check was anchored can hold a name ending in "\n" (a pool, an image).
/// The provider's Ceph/Rbd clients refuse such a name for every command, creates included, so no
/// such object can be the provider's: delete succeeds at once instead of failing forever.
/// </summary>
public sealed class DeleteUnnameableTests
{
    private sealed class OneHost(IHost host) : IHostConnector
    {
        public IHost Connect(SshHostSettings h, string name) => host;
    }

    private static (OperationContext Ctx, ScriptedHost Host) Ctx()
    {
        var host = new ScriptedHost(argv => throw new InvalidOperationException("no command was expected: " + string.Join(' ', argv)));
        return (new("delete", "mvm:index:X", "x", "urn:pulumi:s::p::mvm:index:X::x", false, new ProviderConfig(),
            new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new OneHost(host)), host);
    }

    [Fact]
    public async Task APoolNameEndingInANewlineIsDeletedWithoutAsking()
    {
        var (ctx, host) = Ctx();
        await new CephPool().DeleteAsync("vms\n", Obj(("connectString", Secret(ConnectString)), ("name", "vms\n"), ("size", 1)), ctx);
        Assert.Empty(host.Calls);
    }

    [Fact]
    public async Task AnImageNameEndingInANewlineIsDeletedWithoutAsking()
    {
        var (ctx, host) = Ctx();
        await new VirtualImage().DeleteAsync("mvm-vms/debian\n",
            Obj(("connectString", Secret(ConnectString)), ("name", "debian\n"), ("pool", "mvm-vms"), ("source", "/x.qcow2")), ctx);
        Assert.Empty(host.Calls);
    }

    [Fact]
    public async Task AnOrdinaryNameIsStillLookedFor()
    {
        var (ctx, _) = Ctx();
        // The fake answers nothing: reaching it proves the delete looks on the cluster as before.
        await Assert.ThrowsAnyAsync<Exception>(() => new CephPool().DeleteAsync("vms", Obj(("connectString", Secret(ConnectString)), ("name", "vms"), ("size", 1)), ctx));
    }
}
