using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// Preview never contacts a host; a real Create does (its SSH probe is the first step), reports progress to the
/// engine as ephemeral status tied to the resource, and stops with UNIMPLEMENTED naming what the hosts answered.
/// The "hosts" are loopback listeners this test owns, so contact is counted exactly.
/// </summary>
public sealed class PreviewAndProbeTests(ConfiguredSession fixture, ITestOutputHelper output) : IClassFixture<ConfiguredSession>
{
    private const string Type = "mvm:index:MvmCluster";

    private CreateRequest Create(string name, Struct inputs, bool preview, double timeout = 0) => new()
    {
        Urn = fixture.Session.Urn(Type, name),
        Name = name,
        Type = Type,
        Properties = inputs,
        Preview = preview,
        Timeout = timeout,
    };

    private static Value Unsecret(Value v) => PropertyValues.Unwrap(v);

    [Fact]
    public async Task Preview_returns_unknowns_for_computed_outputs_and_contacts_no_host_then_a_real_create_does()
    {
        await using var host = new FakeSshServer();
        var s = fixture.Session;
        var inputs = await fixture.CheckedAsync(Type, "pv", Clusters.Standard(host.Port));
        var logsBefore = s.Logs.Count;

        var preview = await s.Client.CreateAsync(Create("pv", inputs, preview: true));
        var props = preview.Properties;
        foreach (var computed in new[] { "fsid", "connectString", "health", "monitors", "osds", "hostStates", "capacityBytes", "usedBytes" })
            Assert.True(Unknowns.IsUnknown(Unsecret(Wire.Field(props, computed))), $"{computed} is not an unknown sentinel in preview: {PropertyValues.ToJson(props)}");
        Assert.Equal("lab", Wire.Text(props, "name"));
        Assert.Equal("standard", Wire.Text(props, "layout"));
        Assert.Equal(inputs.Fields["hosts"], props.Fields["hosts"]);

        await Task.Delay(300); // a probe would connect at once
        Assert.Equal(0, host.Connections);
        Assert.DoesNotContain(s.Logs.Skip(logsBefore), l => l.Message.Contains("probe SSH", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(Create("pv", inputs, preview: false, timeout: 20)));
        output.WriteLine($"{e.Code}: {e.StatusMessage}");
        Assert.True(host.Connections >= 1, "the real Create did not probe the host's SSH port");
        Assert.Equal(GrpcStatusCode.Unimplemented, e.Code);
        Assert.Contains("not implemented yet", e.StatusMessage);
        Assert.Contains("SSH-2.0-test", e.StatusMessage);
        Assert.Contains("h1", e.StatusMessage);
    }

    [Fact]
    public async Task Preview_of_an_update_keeps_stable_outputs_and_contacts_no_host()
    {
        await using var host = new FakeSshServer();
        var s = fixture.Session;
        var oldInputs = await fixture.CheckedAsync(Type, "pu", Clusters.Standard(host.Port));
        var olds = oldInputs.Clone();
        olds.Fields["fsid"] = Value.ForString("fsid-kept");
        olds.Fields["health"] = Value.ForString("HEALTH_OK");
        olds.Fields["connectString"] = PropertyValues.Secret("ceph://x");
        var news = await fixture.CheckedAsync(Type, "pu", new
        {
            name = "lab",
            layout = "standard",
            computeVlans = new[] { "30" },
            hosts = new[] { new { name = "h1", address = "127.0.0.1", sshPort = host.Port } },
        }, oldInputs);
        var r = await s.Client.UpdateAsync(new UpdateRequest
        {
            Id = "id", Urn = s.Urn(Type, "pu"), Name = "pu", Type = Type, Olds = olds, OldInputs = oldInputs, News = news, Preview = true,
        });
        Assert.Equal("fsid-kept", Wire.Text(r.Properties, "fsid"));
        Assert.True(Unknowns.IsUnknown(Unsecret(Wire.Field(r.Properties, "health"))));
        Assert.Equal("30", PropertyValues.Unwrap(Wire.Field(r.Properties, "computeVlans")).ListValue.Values[0].StringValue);
        await Task.Delay(300);
        Assert.Equal(0, host.Connections);
    }

    [Fact]
    public async Task A_real_create_reports_probe_progress_to_the_engine_tied_to_the_resource()
    {
        await using var host = new FakeSshServer();
        var s = fixture.Session;
        var inputs = await fixture.CheckedAsync(Type, "logged", Clusters.Standard(host.Port, hostName: "node7"));
        var before = s.Logs.Count;
        await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(Create("logged", inputs, preview: false, timeout: 20)));

        var urn = s.Urn(Type, "logged");
        var logs = s.Logs.Skip(before).ToList();
        foreach (var l in logs)
            output.WriteLine($"{l.Severity} ephemeral={l.Ephemeral} urn={l.Urn}: {l.Message}");
        var status = logs.FirstOrDefault(l => l.Message.Contains($"probe SSH on node7 (127.0.0.1:{host.Port})", StringComparison.Ordinal));
        Assert.True(status is not null, "no 'probe SSH on …' status reached the engine; plugin stderr:\n" + s.Plugin.Stderr);
        Assert.True(status!.Ephemeral, "progress must be an ephemeral status message");
        Assert.Equal(urn, status.Urn);
        Assert.Equal(LogSeverity.Info, status.Severity);
        Assert.All(logs, l => Assert.Equal(urn, l.Urn));
    }

    private async Task<RpcFailure> CreateAgainstAClosedPortAsync(string name)
    {
        int closedPort;
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            closedPort = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
        }
        var inputs = await fixture.CheckedAsync(Type, name, Clusters.Standard(closedPort));
        var e = await Assert.ThrowsAsync<RpcFailure>(() => fixture.Session.Client.CreateAsync(Create(name, inputs, preview: false, timeout: 20)));
        output.WriteLine($"{e.Code}: {e.StatusMessage}");
        Assert.Contains($"127.0.0.1:{closedPort}", e.StatusMessage);
        return e;
    }

    [Fact]
    public async Task A_refused_connection_fails_naming_the_step_and_host()
    {
        var e = await CreateAgainstAClosedPortAsync("refused");
        Assert.Contains("'probe SSH'", e.StatusMessage);
        Assert.Contains("h1", e.StatusMessage);
        Assert.Contains("refused", e.StatusMessage);
        Assert.DoesNotContain(ConfiguredSession.Password, e.StatusMessage);
    }

    /// <summary>
    /// Nothing was changed (the probe is the first step), so the status code must not tell the engine the
    /// resource's state is unknown: UNKNOWN, INTERNAL and DATA_LOSS mean "may be corrupt" (protocol doc §4).
    /// UNAVAILABLE (or FAILED_PRECONDITION) says "cleanly did not happen".
    /// </summary>
    [Fact]
    public async Task An_unreachable_host_before_any_change_is_not_reported_as_status_unknown()
    {
        var e = await CreateAgainstAClosedPortAsync("refused2");
        Assert.False(e.MaybeCorrupt, $"an unreachable host before any change is reported as {e.Code}, which the engine reads as 'resource status unknown'");
    }
}
