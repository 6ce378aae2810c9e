using static Mvm.Tests.Unit.Resources.CheckHelpers;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;

namespace Mvm.Tests.Unit.Resources;

public class CephPoolCheckTests
{
    private readonly CephPool _pool = new();

    private static ObjectProperty Valid() => Obj(
        ("connectString", Secret(ConnectString)),
        ("name", "vm-data"),
        ("size", 3),
        ("minSize", 2),
        ("maxBytes", 10L * 1024 * 1024 * 1024),
        ("maxObjects", 0));

    private IReadOnlyList<CheckFailureInfo> Check(ObjectProperty news) => Failures(_pool, news, "pool");

    [Fact]
    public void ValidReplicatedPoolPassesWithDefaults()
    {
        var (inputs, failures) = _pool.Check("pool", ObjectProperty.Empty, Valid());
        AssertNoFailures(failures);
        Assert.Equal("replicated", (inputs["type"] as StringProperty)?.Value);
        Assert.Equal("rbd", (inputs["application"] as StringProperty)?.Value);
        Assert.Equal("on", (inputs["autoscale"] as StringProperty)?.Value);
        Assert.Equal(false, (inputs["forceDestroy"] as BoolProperty)?.Value);
    }

    [Fact]
    public void NameDefaultsToTheResourceName()
    {
        var (inputs, failures) = _pool.Check("images", ObjectProperty.Empty, Valid().Without("name"));
        AssertNoFailures(failures);
        Assert.Equal("images", (inputs["name"] as StringProperty)?.Value);
    }

    [Fact]
    public void SettingPgNumTurnsTheAutoscalerOffByDefault()
    {
        var (inputs, failures) = _pool.Check("pool", ObjectProperty.Empty, Valid().Set("pgNum", 64));
        AssertNoFailures(failures);
        Assert.Equal("off", (inputs["autoscale"] as StringProperty)?.Value);
    }

    [Fact]
    public void ValidErasurePoolPasses() =>
        AssertNoFailures(Check(Valid().Without("size").Without("minSize").Set("type", "erasure").Set("erasureCodeProfile", "k4m2")));

    [Fact]
    public void ErasurePoolsNeedAProfileAndNoSize()
    {
        var failures = Check(Valid().Set("type", "erasure"));
        AssertFailure(failures, "erasureCodeProfile", "is required for type erasure");
        AssertFailure(failures, "size", "cannot be set for type erasure");
        Assert.Equal(2, failures.Count);

        AssertOnlyFailure(Check(Valid().Set("erasureCodeProfile", "k4m2")), "erasureCodeProfile", "applies only to type erasure");
    }

    [Theory]
    [InlineData(".mgr", "reserved for Ceph's own pools")]
    [InlineData("vm/data", "no '/', '@' or spaces")]
    [InlineData("", "must be 1-127 characters")]
    public void PoolNamesFollowCephRules(string name, string message) =>
        AssertOnlyFailure(Check(Valid().Set("name", name)), "name", message);

    [Fact]
    public void SizesAreBoundedAndMinSizeAtMostSize()
    {
        AssertOnlyFailure(Check(Valid().Set("size", 0)), "size", "must be between 1 and 10, got 0");
        AssertOnlyFailure(Check(Valid().Set("size", 2).Set("minSize", 3)), "minSize", "must be at most size (2), got 3");
    }

    [Theory]
    [InlineData(100, "must be a power of two from 1 to 32768, got 100 (nearest: 64 or 128)")]
    [InlineData(0, "got 0")]
    [InlineData(65536, "got 65536")]
    public void PgNumIsAPowerOfTwo(int pg, string message) =>
        AssertOnlyFailure(Check(Valid().Set("pgNum", pg)), "pgNum", message);

    [Fact]
    public void PgNumConflictsWithAutoscaleOn()
    {
        AssertOnlyFailure(Check(Valid().Set("pgNum", 128).Set("autoscale", "on")), "pgNum", "managed by the autoscaler");
        AssertNoFailures(Check(Valid().Set("pgNum", 128).Set("autoscale", "warn")));
    }

    [Fact]
    public void QuotasAreNotNegative()
    {
        AssertOnlyFailure(Check(Valid().Set("maxBytes", -1)), "maxBytes", "must be 0 (no quota) or more, got -1");
        AssertOnlyFailure(Check(Valid().Set("maxObjects", -5)), "maxObjects", "got -5");
        AssertOnlyFailure(Check(Valid().Set("maxObjects", 1.5)), "maxObjects", "expected an integer");
    }

    [Fact]
    public void UnknownValuesInPreviewAreNotFailures()
    {
        AssertNoFailures(Check(Valid().Without("size").Without("minSize").Set("type", "erasure").Set("erasureCodeProfile", PropertyValue.Computed)));
        AssertNoFailures(Check(Valid().Set("size", PropertyValue.Computed).Set("minSize", 5).Set("pgNum", PropertyValue.Computed)));
        var (inputs, _) = _pool.Check("pool", ObjectProperty.Empty, Valid().Set("pgNum", PropertyValue.Computed));
        Assert.Null(inputs["autoscale"]);
    }
}
