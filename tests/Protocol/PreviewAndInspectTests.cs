using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// Preview never contacts a host and prints the planned steps; a real Create does contact them (its first step,
/// "inspect host", logs in with the provider's SSH client), reports progress to the engine as ephemeral status
/// tied to the resource, and refuses with FAILED_PRECONDITION naming every host it could not inspect and saying
/// nothing was changed. The "hosts" are loopback listeners this test owns, so contact is counted exactly; they
/// answer the SSH identification exchange and then drop the connection, so OpenSSH's handshake fails at once.
/// </summary>
public sealed class PreviewAndInspectTests(ConfiguredSession fixture, ITestOutputHelper output) : IClassFixture<ConfiguredSession>
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

    private static void Show(ITestOutputHelper output, IEnumerable<LogEntry> logs)
    {
        foreach (var l in logs)
            output.WriteLine($"{l.Severity} ephemeral={l.Ephemeral} urn={l.Urn}: {l.Message}");
    }

    /// <summary>The "plan: …" lines the plugin logged for <paramref name="urn"/> (the prefix removed).</summary>
    private static List<string> PlanLines(IEnumerable<LogEntry> logs, string urn) =>
        logs.Where(l => l.Urn == urn && l.Severity == LogSeverity.Info && l.Message.StartsWith("plan: ", StringComparison.Ordinal))
            .Select(l => l.Message["plan: ".Length..]).ToList();

    [Fact]
    public async Task Preview_returns_unknowns_for_computed_outputs_prints_the_plan_and_contacts_no_host_then_a_real_create_does()
    {
        await using var host = new FakeSshServer(closeAfterIdentification: true);
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

        await Task.Delay(300); // an inspection would connect at once
        var previewLogs = s.Logs.Skip(logsBefore).ToList();
        Show(output, previewLogs);
        Assert.Equal(0, host.Connections);
        Assert.DoesNotContain(previewLogs, l => l.Message.Contains("inspect host", StringComparison.Ordinal));
        // The plan is worked out from the inputs: it names the declared host (a plan that ignored them could not).
        var plan = PlanLines(previewLogs, s.Urn(Type, "pv"));
        Assert.True(plan.Count > 0, "preview printed no 'plan: …' lines for the resource");
        Assert.Contains(plan, l => l.Contains("h1", StringComparison.Ordinal));

        var logsBeforeCreate = s.Logs.Count;
        var e = await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(Create("pv", inputs, preview: false, timeout: 20)));
        output.WriteLine($"{e.Code}: {e.StatusMessage}");
        Assert.True(host.Connections >= 1, "the real Create did not connect to the host's SSH port");
        // The provider's SSH client spoke to it (its identification line arrived), not just a TCP probe.
        Assert.Contains(host.ClientIdentifications, id => id.StartsWith("SSH-2.0-Renci.SshNet", StringComparison.Ordinal));
        Assert.Equal(GrpcStatusCode.FailedPrecondition, e.Code);
        Assert.Contains("nothing was changed on any host", e.StatusMessage);
        Assert.Contains("Host h1 (127.0.0.1) could not be inspected", e.StatusMessage);
        Assert.Contains($"127.0.0.1:{host.Port}", e.StatusMessage);
        // Why ssh failed is not asserted: the fake drops the connection mid-handshake, which OpenSSH logs at INFO,
        // below the LogLevel the provider runs it with, so today the detail is only "exited with status 255".
        // A create that failed its checks prints no plan again (that was preview's job).
        Assert.DoesNotContain(s.Logs.Skip(logsBeforeCreate), l => l.Message.StartsWith("plan: ", StringComparison.Ordinal));
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
        olds.Fields["connectString"] = PropertyValues.Secret(TestConnectString.Value);
        var news = await fixture.CheckedAsync(Type, "pu", new
        {
            name = "lab",
            layout = "standard",
            computeVlans = new[] { "30" },
            hosts = new[] { new { name = "h1", address = "127.0.0.1", sshPort = host.Port } },
        }, oldInputs);
        var before = s.Logs.Count;
        var r = await s.Client.UpdateAsync(new UpdateRequest
        {
            Id = "id", Urn = s.Urn(Type, "pu"), Name = "pu", Type = Type, Olds = olds, OldInputs = oldInputs, News = news, Preview = true,
        });
        Assert.Equal("fsid-kept", Wire.Text(r.Properties, "fsid"));
        Assert.True(Unknowns.IsUnknown(Unsecret(Wire.Field(r.Properties, "health"))));
        Assert.Equal("30", PropertyValues.Unwrap(Wire.Field(r.Properties, "computeVlans")).ListValue.Values[0].StringValue);
        await Task.Delay(300);
        Assert.Equal(0, host.Connections);
        // The only change is the VLAN: the plan says so, and nothing about hosts.
        var plan = PlanLines(s.Logs.Skip(before), s.Urn(Type, "pu"));
        Assert.Contains(plan, l => l.Contains("VLAN", StringComparison.Ordinal) && l.Contains("30", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, l => l.Contains("h1", StringComparison.Ordinal));
    }

    /// <summary>
    /// An update preview of a 4-host cluster that drops h4 and gives h2 a second data device: the plan, built from
    /// the old state's OSD map, names h4's OSD and its OSD-safe removal path, and h2's new OSD — and no host is
    /// contacted (each host is a listener that counts connections).
    /// </summary>
    [Fact]
    public async Task Preview_of_a_host_removal_and_a_new_device_plans_the_OSD_steps_and_contacts_no_host()
    {
        var hosts = new List<FakeSshServer>();
        for (var i = 0; i < 4; i++)
            hosts.Add(new FakeSshServer());
        try
        {
            var s = fixture.Session;
            object H(int i, params string[] devices) => new { name = $"h{i + 1}", address = "127.0.0.1", sshPort = hosts[i].Port, dataDevices = devices };
            var oldInputs = await fixture.CheckedAsync(Type, "shrink", Clusters.Hci(H(0, "/dev/vdb"), H(1, "/dev/vdb"), H(2, "/dev/vdb"), H(3, "/dev/vdb")));
            var news = await fixture.CheckedAsync(Type, "shrink", Clusters.Hci(H(0, "/dev/vdb"), H(1, "/dev/vdb", "/dev/vdc"), H(2, "/dev/vdb")), oldInputs);

            // The state a created cluster would have: osd.N on h(N+1), monitors on the first three hosts.
            var olds = oldInputs.Clone();
            olds.Fields["fsid"] = Value.ForString("6b1f5bd4-3c1e-4f4c-9a55-0d1f0c1e2a11");
            olds.Fields["connectString"] = PropertyValues.Secret(TestConnectString.Value);
            olds.Fields["osds"] = PropertyValues.From(Enumerable.Range(0, 4).Select(n => new { id = n, host = $"h{n + 1}", device = "/dev/vdb", up = true, @in = true }).ToArray());
            olds.Fields["monitors"] = PropertyValues.From(Enumerable.Range(1, 3).Select(n => new { name = $"h{n}", host = $"h{n}", inQuorum = true }).ToArray());

            var urn = s.Urn(Type, "shrink");
            var before = s.Logs.Count;
            await s.Client.UpdateAsync(new UpdateRequest
            {
                Id = "6b1f5bd4-3c1e-4f4c-9a55-0d1f0c1e2a11", Urn = urn, Name = "shrink", Type = Type,
                Olds = olds, OldInputs = oldInputs, News = news, Preview = true,
            });
            await Task.Delay(300); // any contact would have happened by now
            var logs = s.Logs.Skip(before).ToList();
            Show(output, logs);
            var plan = PlanLines(logs, urn);

            Assert.Contains(plan, l => l.Contains("h2", StringComparison.Ordinal) && l.Contains("new OSD", StringComparison.Ordinal) && l.Contains("/dev/vdc", StringComparison.Ordinal));
            Assert.Contains(plan, l => l.Contains("decommission host h4", StringComparison.Ordinal));
            // h4's OSD (osd.3 in the old state) takes the OSD-safe path: drained and proven safe before it is purged.
            var osd3 = plan.FirstOrDefault(l => l.Contains("osd.3 (h4 /dev/vdb)", StringComparison.Ordinal));
            Assert.True(osd3 is not null, "no plan line for h4's osd.3:\n" + string.Join("\n", plan));
            Assert.True(osd3!.IndexOf("safe-to-destroy", StringComparison.Ordinal) is var safe and >= 0
                && osd3.IndexOf("purge", StringComparison.Ordinal) > safe, $"osd.3 is not checked safe-to-destroy before its purge: {osd3}");
            Assert.Contains(plan, l => l.Contains("crush", StringComparison.Ordinal) && l.Contains("h4", StringComparison.Ordinal));
            // Only h4's OSD is removed, and h4 ran no monitor, so none is removed.
            foreach (var kept in new[] { "osd.0", "osd.1", "osd.2" })
                Assert.DoesNotContain(plan, l => l.Contains(kept, StringComparison.Ordinal));
            Assert.DoesNotContain(plan, l => l.StartsWith("mon ", StringComparison.Ordinal));

            Assert.DoesNotContain(logs, l => l.Message.Contains("inspect host", StringComparison.Ordinal));
            Assert.All(hosts, h => Assert.Equal(0, h.Connections));
        }
        finally
        {
            foreach (var h in hosts)
                await h.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_real_create_reports_inspect_progress_to_the_engine_tied_to_the_resource()
    {
        await using var host = new FakeSshServer(closeAfterIdentification: true);
        var s = fixture.Session;
        var inputs = await fixture.CheckedAsync(Type, "logged", Clusters.Standard(host.Port, hostName: "node7"));
        var before = s.Logs.Count;
        await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(Create("logged", inputs, preview: false, timeout: 20)));

        var urn = s.Urn(Type, "logged");
        var logs = s.Logs.Skip(before).ToList();
        Show(output, logs);
        Assert.True(host.Connections >= 1, "the create never reached the host");
        var status = logs.FirstOrDefault(l => l.Message.Contains("inspect host on node7", StringComparison.Ordinal));
        Assert.True(status is not null, "no 'inspect host on …' status reached the engine; plugin stderr:\n" + s.Plugin.Stderr);
        Assert.True(status!.Ephemeral, "progress must be an ephemeral status message");
        Assert.Equal(urn, status.Urn);
        Assert.Equal(LogSeverity.Info, status.Severity);
        Assert.All(logs, l => Assert.Equal(urn, l.Urn));
    }

    private async Task<(RpcFailure Error, TimeSpan Elapsed)> CreateAgainstAClosedPortAsync(string name)
    {
        int closedPort;
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            closedPort = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
        }
        var inputs = await fixture.CheckedAsync(Type, name, Clusters.Standard(closedPort));
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RpcFailure>(() => fixture.Session.Client.CreateAsync(Create(name, inputs, preview: false, timeout: 20)));
        watch.Stop();
        output.WriteLine($"{watch.ElapsedMilliseconds} ms → {e.Code}: {e.StatusMessage}");
        Assert.Contains($"127.0.0.1:{closedPort}", e.StatusMessage);
        return (e, watch.Elapsed);
    }

    [Fact]
    public async Task A_refused_connection_fails_promptly_naming_the_step_and_host()
    {
        var (e, elapsed) = await CreateAgainstAClosedPortAsync("refused");
        Assert.Equal(GrpcStatusCode.FailedPrecondition, e.Code);
        Assert.Contains("Host h1 (127.0.0.1) could not be inspected", e.StatusMessage);
        Assert.Contains("refused", e.StatusMessage);
        Assert.Contains("nothing was changed on any host", e.StatusMessage);
        Assert.DoesNotContain(ConfiguredSession.Password, e.StatusMessage);
        // A refusal is an answer: a few quick retries, not the 20 s the operation was allowed.
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"a refused connection took {elapsed} to report");
    }

    /// <summary>
    /// Nothing was changed (inspection is the first step and only reads), so the status code must not tell the
    /// engine the resource's state is unknown: UNKNOWN, INTERNAL and DATA_LOSS mean "may be corrupt" (protocol
    /// doc §4). FAILED_PRECONDITION (or UNAVAILABLE) says "cleanly did not happen".
    /// </summary>
    [Fact]
    public async Task An_unreachable_host_before_any_change_is_not_reported_as_status_unknown()
    {
        var (e, _) = await CreateAgainstAClosedPortAsync("refused2");
        Assert.False(e.MaybeCorrupt, $"an unreachable host before any change is reported as {e.Code}, which the engine reads as 'resource status unknown'");
    }
}
