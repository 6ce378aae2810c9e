using System.Text;
using Mvm.Framework.Config;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;
using Mvm.Resources.Shared;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources;

/// <summary>
/// CephPool's create/read/update/delete against a fake h1 that answers like the real Ceph 16.2.15
/// (captured output): pool t1 is replicated, size 1, pg_num 16 with the autoscaler off, rbd, quotas
/// 1 GiB and 1000 objects. The fake changes nothing, so what the resource reports is what it read.
/// </summary>
public sealed class CephPoolResourceTests
{
    private const string Fsid = "6b1f5bd4-3c1e-4f4c-9a55-0d1f0c1e2a11"; // the fsid inside CheckHelpers.ConnectString

    /// <summary>A cluster host: reads come from fixtures, writes are recorded and succeed.</summary>
    private sealed class FakeCluster(bool poolExists = true, bool withImages = false, int lingeringUsageReads = 0)
    {
        private int _usageReads;
        public List<string> Writes { get; } = [];

        public ScriptedHost Host => new(argv => Task.FromResult(Answer(argv)));

        private CommandResult Answer(IReadOnlyList<string> argv)
        {
            var words = string.Join(' ', argv);
            CommandResult Ok(string stdout = "\n") => new("h1", argv, 0, Encoding.UTF8.GetBytes(stdout), []);
            if (argv[0] == "rbd")
                return withImages ? CapturedRun.Load("rbd-16.2.15-ls-l").As(argv, "h1") : Ok("[]");
            if (words.Contains(" fsid ", StringComparison.Ordinal)) return Ok($"{{\"fsid\":\"{Fsid}\"}}");
            if (words.Contains("osd pool ls detail", StringComparison.Ordinal))
                return Ok(poolExists ? CapturedRun.StdoutOf("ceph-16.2.15-osd-pool-ls-detail") : "[]");
            if (words.Contains("osd pool get-quota", StringComparison.Ordinal))
            {
                // Stats still counting a removed image's 24 MiB for the first reads, as the lab's monitors did.
                if (Interlocked.Increment(ref _usageReads) <= lingeringUsageReads)
                    return Ok("{\"pool_name\":\"t1\",\"pool_id\":2,\"quota_max_objects\":1000,\"quota_max_bytes\":1073741824,\"current_num_objects\":11,\"current_num_bytes\":25165880}");
                return CapturedRun.Load("ceph-16.2.15-osd-pool-get-quota").As(argv, "h1");
            }
            var at = argv.ToList().IndexOf("osd");
            Writes.Add(string.Join(' ', argv.Skip(at).TakeWhile(a => a != "-f")));
            return Ok();
        }
    }

    private sealed class OneHost(IHost host) : IHostConnector
    {
        public IHost Connect(SshHostSettings h, string name) => host;
    }

    private static OperationContext Ctx(FakeCluster cluster, ProviderConfig? config = null) =>
        new("op", "mvm:index:CephPool", "p", "urn:pulumi:s::p::mvm:index:CephPool::p", false, config ?? new ProviderConfig(),
            new EngineLog(null, _ => { }), new SecretScrubber(), CancellationToken.None, null, new OneHost(cluster.Host));

    /// <summary>t1 as checked inputs, with some settings changed.</summary>
    private static ObjectProperty Inputs(params (string Key, object? Value)[] changes)
    {
        var inputs = CheckHelpers.Obj(("connectString", CheckHelpers.Secret(CheckHelpers.ConnectString)), ("name", "t1"), ("type", "replicated"),
            ("size", 1), ("pgNum", 16), ("autoscale", "off"), ("application", "rbd"), ("maxBytes", 1073741824L), ("maxObjects", 1000L),
            ("forceDestroy", false));
        foreach (var (k, v) in changes) inputs = inputs.Set(k, v);
        return inputs;
    }

    private static long? Num(ObjectProperty o, string key) => o[key]?.Unsecret() is NumberProperty n ? (long)n.Value : null;

    [Fact]
    public async Task UpdateSetsOnlyWhatDiffersFromThePoolAndReportsWhatItReadBack()
    {
        var cluster = new FakeCluster();
        var pool = new CephPool();
        var olds = Inputs();
        var news = Inputs(("size", 2), ("maxBytes", 2147483648L));

        var outputs = await pool.UpdateAsync("t1", olds, olds, news, pool.Diff("p", "t1", olds, olds, news), Ctx(cluster));

        Assert.Equal(["osd pool set t1 size 2", "osd pool set-quota t1 max_bytes 2147483648"], cluster.Writes);
        // The fake pool did not change: state is what the cluster says, not what was asked for.
        Assert.Equal(1, Num(outputs, "size"));
        Assert.Equal(1073741824, Num(outputs, "maxBytes"));
        Assert.Equal(2, Num(outputs, "poolId"));
        Assert.True(outputs["connectString"]!.IsSecret);
    }

    [Fact]
    public async Task UpdateOfAPoolAlreadyAsDeclaredSetsNothing()
    {
        var cluster = new FakeCluster();
        var pool = new CephPool();
        var olds = Inputs(("size", 3));
        await pool.UpdateAsync("t1", olds, olds, Inputs(), pool.Diff("p", "t1", olds, olds, Inputs()), Ctx(cluster));
        Assert.Empty(cluster.Writes);
    }

    [Fact]
    public async Task DeleteIsRefusedWhileImagesExistNamingThemAndDeletesNothing()
    {
        var cluster = new FakeCluster(withImages: true);
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => new CephPool().DeleteAsync("t1", Inputs(), Ctx(cluster)));
        Assert.Contains("clone1, img1", e.Message);
        Assert.Contains("cluster lab", e.Message);
        Assert.Contains("forceDestroy", e.Message);
        Assert.DoesNotContain(CheckHelpers.ConnectString, e.Message);
        Assert.Empty(cluster.Writes);
    }

    [Fact]
    public async Task ForceDestroyDeletesAPoolThatHoldsImages()
    {
        var cluster = new FakeCluster(withImages: true);
        await new CephPool().DeleteAsync("t1", Inputs(("forceDestroy", true)), Ctx(cluster));
        Assert.Equal(["osd pool delete t1 t1 --yes-i-really-really-mean-it"], cluster.Writes);
    }

    [Fact]
    public async Task AnRbdPoolWithoutImagesIsDeletedWhateverItsBookkeepingHolds()
    {
        // The lab's emptied VM pool kept 19 bytes in 3 RBD metadata objects.
        var cluster = new FakeCluster(lingeringUsageReads: 1000);
        await new CephPool().DeleteAsync("t1", Inputs(), Ctx(cluster));
        Assert.Equal(["osd pool delete t1 t1 --yes-i-really-really-mean-it"], cluster.Writes);
    }

    [Fact]
    public async Task DeleteOfAnotherPoolWaitsOutUsageThatLagsARemoval()
    {
        CephPool.UsageSettleDelay = TimeSpan.FromMilliseconds(1);
        var cluster = new FakeCluster(lingeringUsageReads: 2);
        await new CephPool().DeleteAsync("t1", Inputs(("application", "rgw")), Ctx(cluster));
        Assert.Equal(["osd pool delete t1 t1 --yes-i-really-really-mean-it"], cluster.Writes);
    }

    [Fact]
    public async Task DeleteOfAnotherPoolIsRefusedWhileItKeepsHoldingBytes()
    {
        CephPool.UsageSettleDelay = TimeSpan.FromMilliseconds(1);
        var cluster = new FakeCluster(lingeringUsageReads: 1000);
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => new CephPool().DeleteAsync("t1", Inputs(("application", "rgw")), Ctx(cluster)));
        Assert.Contains("25165880 bytes in 11 objects", e.Message);
        Assert.Empty(cluster.Writes);
    }

    [Fact]
    public async Task DeletingAPoolAlreadyGoneSucceedsWithoutWriting()
    {
        var cluster = new FakeCluster(poolExists: false);
        await new CephPool().DeleteAsync("t1", Inputs(), Ctx(cluster));
        Assert.Empty(cluster.Writes);
    }

    [Fact]
    public async Task ReadOfAMissingPoolIsGone() =>
        Assert.Null(await new CephPool().ReadAsync("t1", Inputs(), Inputs(), Ctx(new FakeCluster(poolExists: false))));

    [Fact]
    public async Task RefreshShowsHandMadeChangesInTheDeclaredInputsOnly()
    {
        // Declared size 3 and no object quota; the cluster has size 1 and a quota of 1000 objects.
        var declared = Inputs(("size", 3)).Without("maxObjects");
        var read = await new CephPool().ReadAsync("t1", declared, declared, Ctx(new FakeCluster()));

        var (outputs, inputs) = read!.Value;
        Assert.Equal(1, Num(inputs, "size"));
        Assert.Null(inputs["maxObjects"]);
        Assert.Equal(1000, Num(outputs, "maxObjects"));
        Assert.True(inputs["connectString"]!.IsSecret);
    }

    [Fact]
    public async Task ImportReturnsInputsThatReproduceThePool()
    {
        var config = new ProviderConfig { ImportConnectString = CheckHelpers.ConnectString };
        var read = await new CephPool().ReadAsync("t1", null, null, Ctx(new FakeCluster(), config));

        var (_, inputs) = read!.Value;
        // min_size 1 is Ceph's own choice for size 1, so it is left out; everything else is declared.
        Assert.Equal(["application", "autoscale", "connectString", "forceDestroy", "maxBytes", "maxObjects", "name", "pgNum", "size", "type"],
            inputs.Fields.Where(f => !f.Value.IsNull).Select(f => f.Key).Order(StringComparer.Ordinal));
        var (_, failures) = new CephPool().Check("p", inputs, inputs);
        Assert.Empty(failures);
    }

    [Fact]
    public async Task ImportWithoutAClusterSaysWhichSettingToSet()
    {
        var e = await Assert.ThrowsAsync<PreconditionFailedException>(() => new CephPool().ReadAsync("t1", null, null, Ctx(new FakeCluster())));
        Assert.Contains("mvm:importConnectString", e.Message);
    }

    private static CephPoolInfo T1 => Mvm.Tools.Ceph.ParsePoolList(CapturedRun.StdoutOf("ceph-16.2.15-osd-pool-ls-detail")).Single(p => p.Name == "t1");

    [Fact]
    public void ShrinkingSizeLowersMinSizeFirstAndGrowingRaisesSizeFirst()
    {
        var three = T1 with { Size = 3, MinSize = 2 };
        Assert.Equal(["min_size 2 → 1", "size 3 → 1"],
            PoolChanges.Plan(new CephPoolArgs { Size = 1, MinSize = 1, Application = "rbd" }, three).Select(c => c.ToString()));
        Assert.Equal(["size 1 → 3", "min_size 1 → 2"],
            PoolChanges.Plan(new CephPoolArgs { Size = 3, MinSize = 2, Application = "rbd" }, T1).Select(c => c.ToString()));
    }

    [Fact]
    public void ChangingTheApplicationDisablesTheOldOneFirst() =>
        Assert.Equal(["application disable rbd", "application enable rgw"],
            PoolChanges.Plan(new CephPoolArgs { Application = "rgw" }, T1).Select(c => c.ToString()));

    [Fact]
    public void PgNumIsLeftToTheAutoscalerWhenItIsOn() =>
        Assert.Equal(["pg_autoscale_mode off → on"],
            PoolChanges.Plan(new CephPoolArgs { Application = "rbd", Autoscale = PgAutoscaleMode.On, PgNum = 64 }, T1).Select(c => c.ToString()));
}
