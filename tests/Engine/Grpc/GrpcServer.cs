using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RpcStatus = Mvm.Protocol.Wire.Rpc.Status;

namespace Mvm.EngineHarness.Grpc;

/// <summary>
/// A unary gRPC server on Kestrel, HTTP/2 only on 127.0.0.1 (prior-knowledge h2c needs Http2-only, doc §8).
/// Hosts the engine's own services (EngineServer) and in-process fake providers in tests.
/// Unknown methods answer UNIMPLEMENTED with a gRPC content-type on the headers, as grpc-go expects.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    public delegate Task<byte[]> RawHandler(byte[] request, CancellationToken ct);

    private readonly WebApplication _app;

    private GrpcServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:PORT", the form the engine passes on a plugin's command line.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public static async Task<GrpcServer> StartAsync(GrpcServiceMap services, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // Nothing of ours may reach stdout: a harness printing there would corrupt CLI output and tests' views.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0, lo => lo.Protocols = HttpProtocols.Http2);
            o.Limits.MaxRequestBodySize = null; // messages up to 400 MiB, like the engine
            o.AddServerHeader = false;
        });
        var app = builder.Build();
        var handlers = services.Snapshot();
        app.Run(ctx => DispatchAsync(ctx, handlers));
        await app.StartAsync(ct).ConfigureAwait(false);

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var port = new Uri(addresses.First()).Port;
        return new GrpcServer(app, port);
    }

    private static async Task DispatchAsync(HttpContext ctx, IReadOnlyDictionary<string, RawHandler> handlers)
    {
        var response = ctx.Response;
        var contentType = ctx.Request.ContentType ?? "";
        if (!HttpMethods.IsPost(ctx.Request.Method) || !contentType.StartsWith("application/grpc", StringComparison.Ordinal))
        {
            // grpc-go servers answer a non-gRPC request with 415 Unsupported Media Type.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        response.StatusCode = 200;
        response.ContentType = "application/grpc";
        if (!handlers.TryGetValue(ctx.Request.Path.Value ?? "", out var handler))
        {
            await WriteStatusAsync(response, GrpcStatusCode.Unimplemented, $"unknown method {ctx.Request.Path.Value}", null).ConfigureAwait(false);
            return;
        }

        try
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
            var request = GrpcFraming.UnframeSingle(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            var reply = await handler(request, ctx.RequestAborted).ConfigureAwait(false);
            await response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
            await response.Body.WriteAsync(GrpcFraming.Frame(reply), ctx.RequestAborted).ConfigureAwait(false);
            response.AppendTrailer("grpc-status", "0");
        }
        catch (GrpcFramingException e)
        {
            await WriteStatusAsync(response, e.Code, e.Message, null).ConfigureAwait(false);
        }
        catch (RpcFailure e)
        {
            await WriteStatusAsync(response, e.Code, e.StatusMessage, e.Details).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            await WriteStatusAsync(response, GrpcStatusCode.Unknown, e.Message, null).ConfigureAwait(false);
        }
    }

    private static async Task WriteStatusAsync(HttpResponse response, GrpcStatusCode code, string message, RpcStatus? details)
    {
        // Headers first (with the gRPC content-type), then the status as trailers.
        if (!response.HasStarted)
            await response.StartAsync().ConfigureAwait(false);
        response.AppendTrailer("grpc-status", ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message.Length > 0)
            response.AppendTrailer("grpc-message", GrpcMessageEncoding.Encode(message));
        if (details is not null)
            response.AppendTrailer("grpc-status-details-bin", Convert.ToBase64String(details.ToByteArray()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Method path → handler table for <see cref="GrpcServer"/>, with typed registration.</summary>
public sealed class GrpcServiceMap
{
    private readonly Dictionary<string, GrpcServer.RawHandler> _handlers = new(StringComparer.Ordinal);

    public GrpcServiceMap AddRaw(string path, GrpcServer.RawHandler handler)
    {
        _handlers[path] = handler;
        return this;
    }

    public GrpcServiceMap Add<TRequest, TResponse>(string path, MessageParser<TRequest> parser, Func<TRequest, CancellationToken, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => AddRaw(path, async (bytes, ct) =>
        {
            TRequest request;
            try
            {
                request = parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcFailure(GrpcStatusCode.Internal, $"grpc: error unmarshalling request: {e.Message}");
            }
            var response = await handler(request, ct).ConfigureAwait(false);
            return response.ToByteArray();
        });

    internal IReadOnlyDictionary<string, GrpcServer.RawHandler> Snapshot() => new Dictionary<string, GrpcServer.RawHandler>(_handlers, StringComparer.Ordinal);
}
