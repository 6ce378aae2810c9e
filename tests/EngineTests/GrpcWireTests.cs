using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RpcStatus = Mvm.Protocol.Wire.Rpc.Status;
using Mvm.EngineHarness.Grpc;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>Hand-made gRPC: framing, grpc-message encoding, status/details decoding, over real h2c.</summary>
public sealed class GrpcWireTests
{
    [Fact]
    public void Frames_are_flag_plus_big_endian_length()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, GrpcFraming.Frame([]));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 7, 8 }, GrpcFraming.Frame([7, 8]));
        Assert.Equal(new byte[] { 7, 8 }, GrpcFraming.UnframeSingle(new byte[] { 0, 0, 0, 0, 2, 7, 8 }));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 }, "truncated gRPC frame header")]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1 }, "truncated gRPC frame")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, "compressed gRPC frame")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "exactly one gRPC message")]
    public void Malformed_bodies_are_rejected(byte[] body, string expected)
        => Assert.Contains(expected, Assert.Throws<GrpcFramingException>(() => GrpcFraming.UnframeSingle(body)).Message);

    [Fact]
    public void Oversized_messages_are_resource_exhausted()
    {
        var e = Assert.Throws<GrpcFramingException>(() => GrpcFraming.Unframe(new byte[] { 0, 0, 0, 1, 0 }, maxMessageBytes: 100));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Code);
    }

    [Fact]
    public void Grpc_message_is_percent_encoded_utf8()
    {
        Assert.Equal("100%25 sure%0Anext: %C3%BC", GrpcMessageEncoding.Encode("100% sure\nnext: ü"));
        Assert.Equal("100% sure\nnext: ü", GrpcMessageEncoding.Decode("100%25 sure%0Anext: %C3%BC"));
        Assert.Equal("bad %zz escape", GrpcMessageEncoding.Decode("bad %zz escape"));
    }

    [Fact]
    public void Interpretation_is_as_strict_as_grpc_go()
    {
        RawRpcResult Raw(int http = 200, string? ct = "application/grpc", GrpcStatusCode? status = GrpcStatusCode.Ok, byte[]? body = null, RpcStatus? details = null)
            => new() { HttpStatus = http, ContentType = ct, GrpcStatus = status, Body = body ?? GrpcFraming.Frame([]), Details = details, Headers = new Dictionary<string, string>(), Trailers = new Dictionary<string, string>() };

        Assert.Empty(GrpcUnaryClient.Interpret("/x", Raw()));
        Assert.Equal(GrpcStatusCode.Unimplemented, Assert.Throws<RpcFailure>(() => GrpcUnaryClient.Interpret("/x", Raw(http: 404))).Code);
        Assert.Contains("missing HTTP content-type", Assert.Throws<RpcFailure>(() => GrpcUnaryClient.Interpret("/x", Raw(ct: "text/plain"))).Message);
        Assert.True(Raw(ct: "application/grpc+proto").HasGrpcContentType);
        Assert.Contains("without sending trailers", Assert.Throws<RpcFailure>(() => GrpcUnaryClient.Interpret("/x", Raw(status: null))).Message);
        var mismatch = Assert.Throws<RpcFailure>(() => GrpcUnaryClient.Interpret("/x", Raw(status: GrpcStatusCode.Unknown, details: new RpcStatus { Code = 13, Message = "m" })));
        Assert.Equal(GrpcStatusCode.Internal, mismatch.Code);
        Assert.Contains("grpc-status-details-bin mismatch", mismatch.Message);
    }

    [Fact]
    public void Bin_headers_decode_padded_or_unpadded()
    {
        Assert.Equal(new byte[] { 1, 2 }, GrpcUnaryClient.DecodeBinHeader("AQI="));
        Assert.Equal(new byte[] { 1, 2 }, GrpcUnaryClient.DecodeBinHeader("AQI"));
    }

    private static async Task<GrpcServer> ServeAsync()
    {
        var map = new GrpcServiceMap()
            .Add("/pulumirpc.ResourceProvider/GetPluginInfo", Empty.Parser, (_, _) => Task.FromResult(new PluginInfo { Version = "1.2.3" }))
            .Add<CreateRequest, CreateResponse>("/pulumirpc.ResourceProvider/Create", CreateRequest.Parser, (r, _) =>
            {
                var detail = new ErrorResourceInitFailed { Id = "vm-1" };
                detail.Reasons.Add("cloud-init did not finish");
                throw RpcFailure.WithDetail(GrpcStatusCode.Unknown, $"{r.Name}: not ready\nsee ü", detail);
            })
            .Add<ConfigureRequest, ConfigureResponse>("/pulumirpc.ResourceProvider/Configure", ConfigureRequest.Parser, (_, _) =>
            {
                var detail = new ConfigureErrorMissingKeys();
                detail.MissingKeys.Add(new MissingKey { Name = "sshUser", Description = "login user" });
                throw RpcFailure.WithDetail(GrpcStatusCode.InvalidArgument, "missing config", detail);
            })
            .Add<DeleteRequest, Empty>("/pulumirpc.ResourceProvider/Delete", DeleteRequest.Parser, (_, _) =>
                throw new RpcFailure(GrpcStatusCode.Unknown, "m", new RpcStatus { Code = (int)GrpcStatusCode.Internal, Message = "m" }));
        return await GrpcServer.StartAsync(map);
    }

    [Fact]
    public async Task Errors_with_details_round_trip_over_h2c()
    {
        await using var server = await ServeAsync();
        using var client = new ProviderClient(server.Address);

        Assert.Equal("1.2.3", (await client.GetPluginInfoAsync()).Version);

        var create = await Assert.ThrowsAsync<RpcFailure>(() => client.CreateAsync(new CreateRequest { Name = "vm" }));
        Assert.Equal(GrpcStatusCode.Unknown, create.Code);
        Assert.Equal("vm: not ready\nsee ü", create.StatusMessage);
        Assert.Equal("vm-1", create.InitFailed!.Id);
        Assert.Equal(["cloud-init did not finish"], create.InitFailed.Reasons);
        Assert.True(create.MaybeCorrupt);

        var configure = await Assert.ThrowsAsync<RpcFailure>(() => client.ConfigureAsync(new ConfigureRequest()));
        Assert.Equal("sshUser", configure.MissingKeys!.MissingKeys.Single().Name);
        Assert.Null(configure.InitFailed);

        var mismatch = await Assert.ThrowsAsync<RpcFailure>(() => client.DeleteAsync(new DeleteRequest()));
        Assert.Equal(GrpcStatusCode.Internal, mismatch.Code);

        Assert.Equal(["GetPluginInfo", "Create", "Configure", "Delete"], client.Calls.Select(c => c.Method));
        Assert.NotNull(client.Calls[1].Failure);
    }

    [Fact]
    public async Task Unknown_methods_are_unimplemented_with_grpc_content_type_and_status_in_trailers()
    {
        await using var server = await ServeAsync();
        using var client = new ProviderClient(server.Address);

        var raw = await client.SendRawAsync("/pulumirpc.ResourceProvider/Handshake", GrpcFraming.Frame([]));
        Assert.Equal(200, raw.HttpStatus);
        Assert.True(raw.HasGrpcContentType);
        Assert.Equal(GrpcStatusCode.Unimplemented, raw.GrpcStatus);
        Assert.False(raw.TrailersOnly);
        Assert.Empty(raw.Body);

        var e = await Assert.ThrowsAsync<RpcFailure>(() => client.HandshakeAsync(new ProviderHandshakeRequest()));
        Assert.Equal(GrpcStatusCode.Unimplemented, e.Code);
    }

    [Fact]
    public async Task Malformed_requests_get_internal_and_non_grpc_requests_get_415()
    {
        await using var server = await ServeAsync();
        using var client = new ProviderClient(server.Address);

        var truncated = await client.SendRawAsync("/pulumirpc.ResourceProvider/GetPluginInfo", [0, 0, 0, 0, 9, 1]);
        Assert.Equal(GrpcStatusCode.Internal, truncated.GrpcStatus);
        Assert.Contains("truncated", truncated.GrpcMessage);

        var garbage = await client.SendRawAsync("/pulumirpc.ResourceProvider/Create", GrpcFraming.Frame([0xFF, 0xFF, 0xFF]));
        Assert.Equal(GrpcStatusCode.Internal, garbage.GrpcStatus);

        var json = await client.SendRawAsync("/pulumirpc.ResourceProvider/GetPluginInfo", "{}"u8.ToArray(), contentType: "application/json");
        Assert.Equal(415, json.HttpStatus);
    }

    [Fact]
    public async Task A_dead_server_is_unavailable()
    {
        var server = await ServeAsync();
        var address = server.Address;
        await server.DisposeAsync();
        using var client = new ProviderClient(address);
        Assert.Equal(GrpcStatusCode.Unavailable, (await Assert.ThrowsAsync<RpcFailure>(() => client.GetPluginInfoAsync())).Code);
    }

    [Fact]
    public async Task Engine_server_records_logs_answers_health_and_nothing_else()
    {
        await using var engine = await EngineServer.StartAsync();
        using var client = new GrpcUnaryClient(engine.Address);
        var seen = new List<LogEntry>();
        engine.Logged += seen.Add;

        await client.CallAsync(EngineServer.LogPath, new LogRequest { Severity = LogSeverity.Warning, Message = "disk 90% full", Urn = "urn:x", StreamId = 7, Ephemeral = true }, Empty.Parser);
        var log = Assert.Single(engine.Logs);
        Assert.Equal((LogSeverity.Warning, "disk 90% full", "urn:x", 7, true), (log.Severity, log.Message, log.Urn, log.StreamId, log.Ephemeral));
        Assert.Single(seen);
        Assert.Equal(1, engine.Count);

        var health = await client.SendRawAsync(EngineServer.HealthCheckPath, GrpcFraming.Frame([]));
        Assert.Equal(new byte[] { 8, 1 }, GrpcFraming.UnframeSingle(health.Body));

        var other = await client.SendRawAsync("/pulumirpc.Engine/GetRootResource", GrpcFraming.Frame([]));
        Assert.Equal(GrpcStatusCode.Unimplemented, other.GrpcStatus);
        Assert.True(other.HasGrpcContentType);
    }
}
