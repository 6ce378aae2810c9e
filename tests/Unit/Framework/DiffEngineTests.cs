using Mvm.Framework;
using Mvm.Protocol;

namespace Mvm.Tests.Unit.Framework;

public class DiffEngineTests
{
    private static ObjectProperty Obj(params (string Key, PropertyValue Value)[] fields) =>
        (ObjectProperty)PropertyValue.Of(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static PropertyValue Host(string name, params string[] disks) =>
        Obj(("name", PropertyValue.Of(name)), ("disks", PropertyValue.Of(disks.Select(PropertyValue.Of))));

    private static ObjectProperty Cluster(params PropertyValue[] hosts) =>
        Obj(("name", PropertyValue.Of("c1")), ("hosts", PropertyValue.Of(hosts)));

    private static IReadOnlyDictionary<string, DiffKind> Diff(ObjectProperty o, ObjectProperty n) =>
        DiffEngine.Compare(typeof(SampleArgs), o, n).Entries;

    [Fact]
    public void IdenticalInputsHaveNoDiff() =>
        Assert.Empty(Diff(Cluster(Host("h1", "/dev/vdb")), Cluster(Host("h1", "/dev/vdb"))));

    [Fact]
    public void HostAddedIsOneAddAtItsPosition() =>
        Assert.Equal(new Dictionary<string, DiffKind> { ["hosts[2]"] = DiffKind.Add },
            Diff(Cluster(Host("h1"), Host("h2")), Cluster(Host("h1"), Host("h2"), Host("h3"))));

    [Fact]
    public void MiddleHostRemovedIsOneDeleteNotShiftedUpdates() =>
        Assert.Equal(new Dictionary<string, DiffKind> { ["hosts[1]"] = DiffKind.Delete },
            Diff(Cluster(Host("h1"), Host("h2"), Host("h3")), Cluster(Host("h1"), Host("h3"))));

    [Fact]
    public void DataDeviceChangesAreReportedOnTheExactPath()
    {
        var d = Diff(Cluster(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb"), Host("h3", "/dev/vdb", "/dev/vdc")),
                     Cluster(Host("h1", "/dev/vdb"), Host("h2", "/dev/vdb", "/dev/vdc"), Host("h3", "/dev/vdb")));
        Assert.Equal(new Dictionary<string, DiffKind> { ["hosts[1].disks[1]"] = DiffKind.Add, ["hosts[2].disks[1]"] = DiffKind.Delete }, d);
    }

    [Fact]
    public void ReorderingKeyedItemsIsNoChange() =>
        Assert.Empty(Diff(Cluster(Host("h1"), Host("h2")), Cluster(Host("h2"), Host("h1"))));

    [Fact]
    public void ReplaceOnChangesPropertiesUseReplaceKinds()
    {
        var d = Diff(Obj(("name", PropertyValue.Of("a"))), Obj(("name", PropertyValue.Of("b")), ("count", PropertyValue.Of(1))));
        Assert.Equal(DiffKind.UpdateReplace, d["name"]);
        Assert.Equal(DiffKind.Add, d["count"]);
    }

    [Fact]
    public void UnknownNewValuesAreUpdates() =>
        Assert.Equal(DiffKind.Update, Diff(Obj(("count", PropertyValue.Of(1))), Obj(("count", PropertyValue.Computed)))["count"]);

    [Fact]
    public void BecomingSecretIsNotAChange() =>
        Assert.Empty(Diff(Obj(("password", PropertyValue.Of("p"))), Obj(("password", PropertyValue.Secret(PropertyValue.Of("p"))))));

    [Fact]
    public void MapKeysAreDiffedIndividually()
    {
        var d = Diff(Obj(("labels", Obj(("a", PropertyValue.Of("1")), ("b", PropertyValue.Of("2"))))),
                     Obj(("labels", Obj(("a", PropertyValue.Of("1")), ("c", PropertyValue.Of("3"))))));
        Assert.Equal(new Dictionary<string, DiffKind> { ["labels[\"b\"]"] = DiffKind.Delete, ["labels[\"c\"]"] = DiffKind.Add }, d);
    }

    [Fact]
    public void IgnoreChangesDropsMatchingPaths()
    {
        var result = DiffEngine.Compare(typeof(SampleArgs),
            Cluster(Host("h1", "/dev/vdb")), Obj(("name", PropertyValue.Of("c2")), ("hosts", PropertyValue.Of([Host("h1", "/dev/vdc")]))));
        result.DropIgnored(["hosts[*].disks"]);
        Assert.Equal(["name"], result.Entries.Keys);
        Assert.True(result.Replaces);
        Assert.Equal(["name"], result.ReplacedRoots);
    }
}
