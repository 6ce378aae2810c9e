using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>The engine runs independent steps in parallel: concurrent calls on one plugin must each get their own answer.</summary>
public sealed class ConcurrencyTests(ConfiguredSession fixture) : IClassFixture<ConfiguredSession>
{
    private sealed record Case(string Type, string Name, object News, string? Fail, string Echo);

    [Fact]
    public async Task Fifty_concurrent_checks_across_resource_types_all_answer_correctly()
    {
        var s = fixture.Session;
        var cases = Enumerable.Range(0, 50).Select(i =>
        {
            var name = $"r{i}";
            // Every request carries something unique (its name, a bad number) that its answer must echo.
            return (i % 6) switch
            {
                0 => new Case("mvm:index:OvsVlan", name, new { connectString = TestConnectString.Value, vlanId = 5000 + i }, "vlanId", $"{5000 + i}"),
                1 => new Case("mvm:index:CephPool", name, new { connectString = TestConnectString.Value, size = 3, pgNum = 100 + i }, "pgNum", $"{100 + i}"),
                2 => new Case("mvm:index:MvmCluster", name, Clusters.Hci(Clusters.ThreeHosts()), null, name),
                3 => new Case("mvm:index:VirtualMachine", name, new { connectString = TestConnectString.Value, vcpus = 1, memoryMiB = 1000 + i, disks = new[] { new { name = "root", sizeGiB = 4 } } }, null, name),
                4 => new Case("mvm:index:VirtualImage", name, new { connectString = TestConnectString.Value, source = $"https://example.com/img-{i}.qcow2" }, null, name),
                _ => new Case("mvm:index:MvmHost", name, new { connectString = TestConnectString.Value, address = $"10.0.1.{i}", dataDevices = new[] { $"vd{i}" } }, "dataDevices[0]", $"/dev/vd{i}"),
            };
        }).ToList();

        var gate = new TaskCompletionSource();
        var tasks = cases.Select(async c =>
        {
            await gate.Task;
            return await s.Client.CheckAsync(s.CheckRequest(c.Type, c.Name, c.News));
        }).ToList();
        gate.SetResult();
        var responses = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        for (var i = 0; i < cases.Count; i++)
        {
            var (type, name, _, fail, echo) = cases[i];
            CheckResponse r = responses[i];
            if (fail is null)
            {
                Assert.True(r.Failures.Count == 0, $"{type} {name}: unexpected failures\n{Wire.Failures(r)}");
                if (type != "mvm:index:MvmCluster")
                    Assert.Equal(name, Wire.Text(r.Inputs, "name")); // defaulted from this request's resource name
                else
                    Assert.Equal("lab", Wire.Text(r.Inputs, "name"));
                if (type == "mvm:index:VirtualMachine")
                    Assert.Equal(1000 + i, Wire.Number(r.Inputs, "memoryMiB"));
            }
            else
            {
                var f = Wire.FailureAt(r, fail);
                Assert.Contains(echo, f.Reason);
                Assert.Equal(name, Wire.Text(r.Inputs, "name"));
            }
        }
    }

    [Fact]
    public async Task A_message_larger_than_Kestrels_default_body_limit_is_accepted()
    {
        // The engine allows 400 MiB messages; Kestrel's default request limit is 30,000,000 bytes.
        var s = fixture.Session;
        var big = new string('x', 35_000_000);
        var r = await s.Client.CheckAsync(s.CheckRequest("mvm:index:VirtualImage", "big", new
        {
            connectString = TestConnectString.Value,
            source = "https://example.com/big.qcow2",
            osType = "linux",
            name = "big",
            checksum = "sha256:" + new string('0', 64),
            minimumMemoryMiB = 256,
            pool = "vms",
            firmware = "bios",
            virtioDrivers = true,
            format = "qcow2",
            // An unknown property carrying the bulk: it must be reported, not crash the transport.
            blob = big,
        }));
        Assert.Contains("unknown property 'blob'", Wire.FailureAt(r, "blob").Reason);
        Assert.DoesNotContain(big[..1000], Wire.FailureAt(r, "blob").Reason);
    }
}
