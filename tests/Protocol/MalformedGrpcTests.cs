using System.Text;
using Mvm.EngineHarness.Grpc;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// Raw bytes on the wire: every malformed request gets a gRPC error the engine's client can read (200 +
/// application/grpc + grpc-status, or the HTTP 415 the gRPC spec prescribes for a foreign content-type), never a
/// hang or a crash — and the plugin keeps answering afterwards.
/// </summary>
public sealed class MalformedGrpcTests(ConfiguredSession fixture) : IClassFixture<ConfiguredSession>
{
    private const string Check = "/pulumirpc.ResourceProvider/Check";

    private static byte[] Frame(byte flag, uint length, params byte[] payload)
    {
        var b = new byte[5 + payload.Length];
        b[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(1), length);
        payload.CopyTo(b, 5);
        return b;
    }

    public static TheoryData<string, string, byte[], GrpcStatusCode?> Cases() => new()
    {
        // name, path, body, expected code (null = any error)
        { "empty body", Check, [], null },
        { "short frame (3 of 5 header bytes)", Check, [0, 0, 0], null },
        { "length larger than the body", Check, Frame(0, 10, 1, 2, 3), null },
        { "length smaller than the body", Check, Frame(0, 1, 0x0A, 0x01, 0x41), null },
        { "two frames in a unary call", Check, [.. Frame(0, 0), .. Frame(0, 0)], null },
        { "compressed flag without grpc-encoding", Check, Frame(1, 0), null },
        { "invalid flag byte", Check, Frame(7, 0), null },
        { "garbage protobuf", Check, Frame(0, 4, 0xFF, 0xFF, 0xFF, 0xFF), null },
        { "truncated length-delimited field", Check, Frame(0, 3, 0x0A, 0x05, 0x41), null },
        { "unknown method", "/pulumirpc.ResourceProvider/NoSuchMethod", Frame(0, 0), GrpcStatusCode.Unimplemented },
        { "unimplemented protocol method (Construct)", "/pulumirpc.ResourceProvider/Construct", Frame(0, 0), GrpcStatusCode.Unimplemented },
        { "unknown service", "/pulumirpc.LanguageRuntime/Run", Frame(0, 0), GrpcStatusCode.Unimplemented },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_requests_get_a_grpc_error_and_the_plugin_keeps_serving(string name, string path, byte[] body, GrpcStatusCode? expected)
    {
        var client = fixture.Session.Client;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var raw = await client.SendRawAsync(path, body, timeout.Token);

        // grpc-go needs HTTP 200 and a gRPC content-type even on errors, or the user sees a transport error instead.
        Assert.True(raw.HttpStatus == 200, $"{name}: HTTP {raw.HttpStatus}");
        Assert.True(raw.HasGrpcContentType, $"{name}: content-type {raw.ContentType}");
        Assert.True(raw.GrpcStatus is not null and not GrpcStatusCode.Ok, $"{name}: grpc-status {raw.GrpcStatus?.ToString() ?? "(none)"}");
        var failure = Assert.Throws<RpcFailure>(() => GrpcUnaryClient.Interpret(path, raw));
        if (expected is not null)
            Assert.Equal(expected, failure.Code);
        Assert.False(string.IsNullOrWhiteSpace(failure.StatusMessage), $"{name}: no grpc-message");
        Assert.Empty(raw.Body);

        await AssertStillServing();
    }

    [Fact]
    public async Task A_non_grpc_content_type_is_refused_in_a_way_grpc_clients_understand()
    {
        var client = fixture.Session.Client;
        var raw = await client.SendRawAsync(Check, Encoding.UTF8.GetBytes("{\"urn\":\"x\"}"), contentType: "application/json");
        // gRPC over HTTP/2 spec: a server SHOULD answer a non-gRPC content-type with HTTP 415; grpc-go turns it into an error.
        Assert.True(raw.HttpStatus == 415 || raw.GrpcStatus is not null and not GrpcStatusCode.Ok,
            $"HTTP {raw.HttpStatus}, grpc-status {raw.GrpcStatus}");
        var failure = Assert.Throws<RpcFailure>(() => GrpcUnaryClient.Interpret(Check, raw));
        Assert.NotEqual(GrpcStatusCode.Ok, failure.Code);
        await AssertStillServing();
    }

    private async Task AssertStillServing()
    {
        var s = fixture.Session;
        Assert.Equal(PluginBinary.DeclaredVersion, (await s.Client.GetPluginInfoAsync()).Version);
        var check = await s.Client.CheckAsync(s.CheckRequest("mvm:index:OvsVlan", "web", new { connectString = TestConnectString.Value, vlanId = 22 }));
        Assert.Empty(check.Failures);
    }
}
