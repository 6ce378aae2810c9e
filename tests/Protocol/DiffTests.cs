using Google.Protobuf.WellKnownTypes;
using Changes = Mvm.Protocol.Wire.DiffResponse.Types.DiffChanges;
using Kind = Mvm.Protocol.Wire.PropertyDiff.Types.Kind;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// Diff over the wire with detailed, per-path kinds: keyed lists (hosts by name) give one entry per real change,
/// replace-on-change properties give *_REPLACE with `replaces`, ignoreChanges drops paths, and no change is DIFF_NONE.
/// </summary>
public sealed class DiffTests(ConfiguredSession fixture) : IClassFixture<ConfiguredSession>
{
    private static object H(string name, string address, params string[] devices) => Clusters.Host(name, address, devices);

    private static readonly object H1 = H("h1", "10.0.0.11", "/dev/vdb");
    private static readonly object H2 = H("h2", "10.0.0.12", "/dev/vdb", "/dev/vdc");
    private static readonly object H3 = H("h3", "10.0.0.13", "/dev/vdb");
    private static readonly object H4 = H("h4", "10.0.0.14", "/dev/vdb");

    /// <summary>Checks both sides as the engine would, then sends Diff with the old outputs, old inputs and new inputs.</summary>
    private async Task<DiffResponse> DiffAsync(string type, string name, object before, object after, params string[] ignoreChanges)
    {
        var oldInputs = await fixture.CheckedAsync(type, name, before);
        var news = await fixture.CheckedAsync(type, name, after, oldInputs);
        var oldOutputs = oldInputs.Clone();
        oldOutputs.Fields["fsid"] = Value.ForString("7d2f0c1e-0000-4000-8000-000000000001");
        oldOutputs.Fields["connectString"] = PropertyValues.Secret("ceph://secret");
        var request = new DiffRequest
        {
            Id = "id-1",
            Urn = fixture.Session.Urn(type, name),
            Name = name,
            Type = type,
            Olds = oldOutputs,
            OldInputs = oldInputs,
            News = news,
        };
        request.IgnoreChanges.AddRange(ignoreChanges);
        var response = await fixture.Session.Client.DiffAsync(request);
        Assert.True(response.HasDetailedDiff);
        return response;
    }

    private static string Describe(DiffResponse r) =>
        $"changes={r.Changes} replaces=[{string.Join(",", r.Replaces)}] dbr={r.DeleteBeforeReplace} detailed={{{string.Join(", ", r.DetailedDiff.Select(kv => $"{kv.Key}: {kv.Value.Kind}"))}}}";

    private static void AssertOnly(DiffResponse r, string path, Kind kind)
    {
        Assert.True(r.DetailedDiff.Count == 1 && r.DetailedDiff.TryGetValue(path, out var d) && d.Kind == kind,
            $"expected exactly {path}: {kind}; got {Describe(r)}");
        Assert.Equal(Changes.DiffSome, r.Changes);
    }

    [Fact]
    public async Task Adding_a_host_is_one_ADD_at_its_index()
    {
        var r = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3), Clusters.Hci(H1, H2, H3, H4));
        AssertOnly(r, "hosts[3]", Kind.Add);
        Assert.Empty(r.Replaces);
        Assert.False(r.DeleteBeforeReplace);
        Assert.Equal(["hosts"], r.Diffs);
    }

    [Fact]
    public async Task Removing_a_data_device_is_one_DELETE_of_that_device()
    {
        var r = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3),
            Clusters.Hci(H1, H("h2", "10.0.0.12", "/dev/vdb"), H3));
        AssertOnly(r, "hosts[1].dataDevices[1]", Kind.Delete);
        Assert.Empty(r.Replaces);
    }

    [Fact]
    public async Task Removing_a_middle_host_is_one_DELETE_not_shifted_updates()
    {
        var r = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3, H4), Clusters.Hci(H1, H3, H4));
        AssertOnly(r, "hosts[1]", Kind.Delete);
        Assert.Empty(r.Replaces);
    }

    [Fact]
    public async Task Reordering_hosts_is_no_change()
    {
        var r = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3), Clusters.Hci(H3, H1, H2));
        Assert.True(r.Changes == Changes.DiffNone && r.DetailedDiff.Count == 0, Describe(r));
    }

    [Fact]
    public async Task A_layout_change_is_UPDATE_REPLACE_and_replaces_layout()
    {
        var standard = new
        {
            name = "lab",
            layout = "standard",
            computeVlans = new[] { "22-25" },
            hosts = new[] { new { name = "h1", address = "10.0.0.11" } },
        };
        var hci = Clusters.Hci(H1, H2, H3);
        var r = await DiffAsync("mvm:index:MvmCluster", "lab", hci, standard);
        Assert.True(r.DetailedDiff.TryGetValue("layout", out var layout) && layout.Kind == Kind.UpdateReplace, Describe(r));
        Assert.Equal(["layout"], r.Replaces);
        Assert.True(r.DeleteBeforeReplace, "a replaced cluster must be deleted first (the new one uses the same hosts)");
        Assert.DoesNotContain(r.DetailedDiff, kv => kv.Key.StartsWith("hosts", StringComparison.Ordinal) && kv.Value.Kind is Kind.UpdateReplace or Kind.AddReplace or Kind.DeleteReplace);
    }

    [Fact]
    public async Task A_pool_rename_replaces_with_delete_before_replace()
    {
        var r = await DiffAsync("mvm:index:CephPool", "vms", new { connectString = TestConnectString.Value, name = "vms" }, new { connectString = TestConnectString.Value, name = "vms2" });
        Assert.True(r.DetailedDiff.TryGetValue("name", out var name) && name.Kind == Kind.UpdateReplace, Describe(r));
        Assert.Equal(["name"], r.Replaces);
        Assert.True(r.DeleteBeforeReplace);

        var resize = await DiffAsync("mvm:index:CephPool", "vms", new { connectString = TestConnectString.Value, size = 3 }, new { connectString = TestConnectString.Value, size = 2 });
        AssertOnly(resize, "size", Kind.Update);
        Assert.Empty(resize.Replaces);
        Assert.False(resize.DeleteBeforeReplace, "deleteBeforeReplace must only be set for replacements");
    }

    [Fact]
    public async Task IgnoreChanges_drops_the_path()
    {
        var all = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3), Clusters.Hci(H1, H2, H3, H4), "hosts");
        Assert.True(all.Changes == Changes.DiffNone && all.DetailedDiff.Count == 0, Describe(all));

        var devices = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3),
            Clusters.Hci(H1, H("h2", "10.0.0.12", "/dev/vdb"), H("h3", "10.0.0.13", "/dev/vdb", "/dev/vdd")), "hosts[*].dataDevices");
        Assert.True(devices.Changes == Changes.DiffNone, Describe(devices));

        var partly = await DiffAsync("mvm:index:CephPool", "vms", new { connectString = TestConnectString.Value, size = 3, maxBytes = 0 },
            new { connectString = TestConnectString.Value, size = 2, maxBytes = 100 }, "size");
        AssertOnly(partly, "maxBytes", Kind.Update);
    }

    [Fact]
    public async Task Identical_inputs_are_DIFF_NONE()
    {
        var r = await DiffAsync("mvm:index:MvmCluster", "lab", Clusters.Hci(H1, H2, H3), Clusters.Hci(H1, H2, H3));
        Assert.True(r.Changes == Changes.DiffNone && r.DetailedDiff.Count == 0 && r.Replaces.Count == 0, Describe(r));

        var vm = new { connectString = PropertyValues.Secret(TestConnectString.Value), vcpus = 2, memoryMiB = 1024, disks = new[] { new { name = "root", sizeGiB = 4 } } };
        var same = await DiffAsync("mvm:index:VirtualMachine", "vm", vm, vm);
        Assert.True(same.Changes == Changes.DiffNone, Describe(same));
    }
}
