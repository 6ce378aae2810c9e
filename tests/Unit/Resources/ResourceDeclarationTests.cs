using System.Text.Json;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.MvmHost;
using Mvm.Resources.OvsVlan;
using Mvm.Resources.VirtualImage;
using Mvm.Resources.VirtualMachine;

namespace Mvm.Tests.Unit.Resources;

/// <summary>What holds for every declared resource: schema-ready declarations and honest not-yet-implemented CRUD.</summary>
public class ResourceDeclarationTests
{
    public static readonly IResource[] All =
        [new MvmCluster(), new MvmHost(), new CephPool(), new OvsVlan(), new VirtualImage(), new VirtualMachine()];

    public static TheoryData<string> Tokens() => new(All.Select(r => r.Token));

    // Resources that work on real hosts have their own tests (OvsVlanTests …).

    private static IResource Get(string token) => All.Single(r => r.Token == token);

    [Fact]
    public void TokensAreThePackageIndexNames() =>
        Assert.Equal(
            ["mvm:index:CephPool", "mvm:index:MvmCluster", "mvm:index:MvmHost", "mvm:index:OvsVlan", "mvm:index:VirtualImage", "mvm:index:VirtualMachine"],
            All.Select(r => r.Token).Order(StringComparer.Ordinal));

    [Fact]
    public void SchemaGeneratesWithADescriptionForEveryPropertyTypeAndEnumValue()
    {
        var schema = JsonDocument.Parse(SchemaGenerator.Generate(new ResourceRegistry(All), "0.0.0-test")).RootElement;
        var missing = new List<string>();
        foreach (var resource in schema.GetProperty("resources").EnumerateObject())
        {
            if (string.IsNullOrWhiteSpace(resource.Value.GetProperty("description").GetString())) missing.Add(resource.Name);
            foreach (var section in new[] { "inputProperties", "properties" })
                foreach (var p in resource.Value.GetProperty(section).EnumerateObject())
                    if (string.IsNullOrWhiteSpace(p.Value.GetProperty("description").GetString())) missing.Add($"{resource.Name}.{p.Name}");
        }
        foreach (var type in schema.GetProperty("types").EnumerateObject())
        {
            if (string.IsNullOrWhiteSpace(type.Value.GetProperty("description").GetString())) missing.Add(type.Name);
            if (type.Value.TryGetProperty("properties", out var props))
                foreach (var p in props.EnumerateObject())
                    if (string.IsNullOrWhiteSpace(p.Value.GetProperty("description").GetString())) missing.Add($"{type.Name}.{p.Name}");
            if (type.Value.TryGetProperty("enum", out var values))
                foreach (var v in values.EnumerateArray())
                    if (string.IsNullOrWhiteSpace(v.GetProperty("description").GetString())) missing.Add($"{type.Name}={v.GetProperty("value")}");
        }
        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(Tokens))]
    public void EveryPropertyIsNullableSoAbsentMeansNull(string token)
    {
        var resource = Get(token);
        foreach (var type in new[] { resource.ArgsType, resource.StateType })
            foreach (var p in ObjectModel.Of(type).Properties)
                Assert.True(!p.Info.PropertyType.IsValueType || Nullable.GetUnderlyingType(p.Info.PropertyType) is not null,
                    $"{type.Name}.{p.Info.Name} must be nullable");
    }

    [Theory]
    [MemberData(nameof(Tokens))]
    public void SecretsAreDeclaredSecretAndConnectStringIsAlwaysOne(string token)
    {
        var state = ObjectModel.Of(Get(token).StateType);
        Assert.True(state.ByWireName["connectString"].IsSecret);
    }

    [Fact]
    public void ReplaceOnlyWhereTheRealObjectCannotChange()
    {
        static string[] Replacing(IResource r) => ObjectModel.Of(r.ArgsType).Inputs.Where(p => p.Input!.ReplaceOnChanges).Select(p => p.WireName).ToArray();
        Assert.Equal(["layout"], Replacing(new MvmCluster()));
        Assert.Empty(Replacing(new MvmHost()));
        Assert.Equal(["name", "type", "erasureCodeProfile"], Replacing(new CephPool()));
        Assert.Equal(["vlanId"], Replacing(new OvsVlan()));
        Assert.Equal(["pool", "source", "format", "checksum"], Replacing(new VirtualImage()));
        Assert.Equal(["image"], Replacing(new VirtualMachine()));
    }

    [Fact]
    public void ListsOfObjectsAreDiffedByAKeyTheUserMustGive()
    {
        var keyed = new (Type Args, string List, string Key)[]
        {
            (typeof(MvmClusterArgs), "hosts", "name"),
            (typeof(VirtualMachineArgs), "disks", "name"),
            (typeof(VirtualMachineArgs), "networkInterfaces", "name"),
        };
        foreach (var (args, list, key) in keyed)
        {
            var prop = ObjectModel.Of(args).ByWireName[list];
            Assert.Equal(key, prop.Input!.ListKey);
            Assert.True(ObjectModel.Of(prop.Shape.Element!.ClrType).ByWireName[key].Required, $"{list}[].{key} must be required to be a list key");
        }
    }

    [Fact]
    public void ChangingTheVmImageIsTheOnlyReplacementAndDeletesFirst()
    {
        var vm = new VirtualMachine();
        var olds = CheckHelpers.Obj(("connectString", "c"), ("name", "web1"), ("image", "debian-12"), ("vcpus", 2), ("memoryMiB", 2048),
            ("disks", CheckHelpers.List(CheckHelpers.Obj(("name", "boot"), ("sizeGiB", 20)))));
        var resized = vm.Diff("web1", "id", olds, olds, olds.With("vcpus", PropertyValue.Of(4))
            .With("disks", CheckHelpers.List(CheckHelpers.Obj(("name", "boot"), ("sizeGiB", 40)), CheckHelpers.Obj(("name", "data"), ("sizeGiB", 10)))));
        Assert.False(resized.Replaces);
        Assert.Equal(DiffKind.Update, resized.Entries["disks[0].sizeGiB"]);
        Assert.Equal(DiffKind.Add, resized.Entries["disks[1]"]);

        var reimaged = vm.Diff("web1", "id", olds, olds, olds.With("image", PropertyValue.Of("ubuntu-24.04")));
        Assert.True(reimaged.Replaces);
        Assert.True(reimaged.DeleteBeforeReplace);
    }

    [Fact]
    public void ClusterHostsAreDiffedByName()
    {
        static PropertyValue Hosts(params string[] names) =>
            CheckHelpers.List(names.Select(n => (object)CheckHelpers.Obj(("name", n), ("address", n + ".lab"))).ToArray());
        var olds = CheckHelpers.Obj(("hosts", Hosts("hv1", "hv2", "hv3")));
        var diff = new MvmCluster().Diff("lab", "id", olds, olds, olds.With("hosts", Hosts("hv1", "hv3")));
        Assert.Equal(DiffKind.Delete, Assert.Single(diff.Entries, e => e.Key.StartsWith("hosts", StringComparison.Ordinal)).Value);
        Assert.False(diff.Replaces);
    }
}
