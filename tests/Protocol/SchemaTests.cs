using System.Text.Json;
using Mvm.EngineHarness.Grpc;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>GetSchema serves exactly the checked-in schema.json, and the shipped plugin has no test fixture.</summary>
public sealed class SchemaTests(ConfiguredSession fixture) : IClassFixture<ConfiguredSession>
{
    [Fact]
    public async Task GetSchema_returns_exactly_the_checked_in_schema_json()
    {
        var served = (await fixture.Session.Client.GetSchemaAsync(new GetSchemaRequest { Version = 0 })).Schema;
        var checkedIn = File.ReadAllText(Path.Combine(PluginBinary.RepoRoot, "schema.json"));
        if (served != checkedIn)
        {
            var at = Enumerable.Range(0, Math.Min(served.Length, checkedIn.Length)).FirstOrDefault(i => served[i] != checkedIn[i], Math.Min(served.Length, checkedIn.Length));
            string Around(string s) => s.Substring(Math.Max(0, at - 120), Math.Min(240, s.Length - Math.Max(0, at - 120)));
            Assert.Fail($"GetSchema differs from schema.json at character {at} (served {served.Length} chars, file {checkedIn.Length}); " +
                        $"run `make schema` if the code changed.\nserved:\n{Around(served)}\n---\nschema.json:\n{Around(checkedIn)}");
        }

        using var doc = JsonDocument.Parse(served);
        var tokens = doc.RootElement.GetProperty("resources").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(
            ["mvm:index:CephPool", "mvm:index:MvmCluster", "mvm:index:MvmHost", "mvm:index:OvsVlan", "mvm:index:VirtualImage", "mvm:index:VirtualMachine"],
            tokens.Order(StringComparer.Ordinal));
        Assert.Equal(PluginBinary.DeclaredVersion, doc.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task The_shipped_plugin_does_not_serve_the_fixture_token()
    {
        var s = fixture.Session;
        var e = await Assert.ThrowsAsync<RpcFailure>(() =>
            s.Client.CheckAsync(s.CheckRequest("mvm:testing:Fixture", "f", new { directory = "/tmp" })));
        Assert.Equal(GrpcStatusCode.InvalidArgument, e.Code);
        Assert.Contains("mvm:testing:Fixture", e.StatusMessage);
        Assert.Contains("mvm:index:MvmCluster", e.StatusMessage);
        Assert.Contains("mvm:index:VirtualMachine", e.StatusMessage);

        var schema = (await s.Client.GetSchemaAsync()).Schema;
        Assert.DoesNotContain("mvm:testing", schema);
    }
}
