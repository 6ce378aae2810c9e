using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mvm.Protocol;

/// <summary>
/// gRPC over cleartext HTTP/2 (prior knowledge, as the engine dials) on Kestrel, unary calls only.
/// Kestrel must be HTTP/2-only here: with HTTP/1+2 on cleartext the client's preface is rejected.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly Dictionary<string, UnaryMethod> _methods = new(StringComparer.Ordinal);
    private readonly Action<string> _diagnostics;
    private WebApplication? _app;

    public GrpcServer(IEnumerable<UnaryMethod> methods, Action<string> diagnostics)
    {
        foreach (var m in methods) _methods[m.Path] = m;
        _diagnostics = diagnostics;
    }

    public int Port { get; private set; }

    public async Task<int> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        // Nothing may reach stdout before the port line: no console logger at all.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = null; // the engine allows 400 MiB messages
            o.Limits.Http2.MaxStreamsPerConnection = 1000;
            o.Listen(IPAddress.Loopback, port, lo => lo.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        return Port;
    }

    /// <summary>Blocks until SIGINT/SIGTERM; `onStopping` runs first so operations in flight can end.</summary>
    public async Task WaitForShutdownAsync(Action onStopping)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _app!.Lifetime.ApplicationStopping.Register(() =>
        {
            onStopping();
            stopping.TrySetResult();
        });
        await stopping.Task.ConfigureAwait(false);
        // The engine stops plugins with SIGINT and kills them 5 s later; it keeps its HTTP/2
        // connection open meanwhile, so a graceful drain must be short or it becomes a kill.
        using var drain = new CancellationTokenSource(StopGrace);
        await _app.StopAsync(drain.Token).ConfigureAwait(false);
    }

    /// <summary>How long requests in flight get to finish once the engine asks the plugin to stop.</summary>
    public static TimeSpan StopGrace { get; } = TimeSpan.FromSeconds(2);

    private async Task HandleAsync(HttpContext ctx)
    {
        var response = ctx.Response;
        if (!HttpMethods.IsPost(ctx.Request.Method) || !IsGrpcContentType(ctx.Request.ContentType))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        try
        {
            if (!_methods.TryGetValue(ctx.Request.Path.Value ?? "", out var method))
                throw new RpcException(GrpcStatusCode.Unimplemented, $"unknown method {ctx.Request.Path.Value}");
            var body = await ReadBodyAsync(ctx.Request, ctx.RequestAborted).ConfigureAwait(false);
            var payload = GrpcFraming.ReadUnary(body);
            var result = await method.InvokeAsync(payload, ctx.RequestAborted).ConfigureAwait(false);
            await response.Body.WriteAsync(GrpcFraming.Frame(result.ToByteArray()), ctx.RequestAborted)
                .ConfigureAwait(false);
            response.AppendTrailer("grpc-status", "0");
        }
        catch (RpcException e)
        {
            WriteStatus(response, e);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
        }
        catch (Exception e)
        {
            _diagnostics($"unhandled error in {ctx.Request.Path}: {e}");
            WriteStatus(response,
                new RpcException(GrpcStatusCode.Unknown, $"internal provider error: {e.GetType().Name}: {e.Message}"));
        }
    }

    private static void WriteStatus(HttpResponse response, RpcException e)
    {
        response.AppendTrailer("grpc-status",
            ((int)e.Code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.AppendTrailer("grpc-message", GrpcMessageText.Encode(e.Message));
        if (e.Details.Count > 0)
            response.AppendTrailer("grpc-status-details-bin", Convert.ToBase64String(e.ToStatus().ToByteArray()));
    }

    private static bool IsGrpcContentType(string? contentType) =>
        contentType is not null &&
        (contentType == "application/grpc" || contentType.StartsWith("application/grpc+", StringComparison.Ordinal) ||
         contentType.StartsWith("application/grpc;", StringComparison.Ordinal));

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength
            : 256);
        await request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
    }
}
