using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mvm.Protocol;

/// <summary>
/// Grpc.AspNetCore serving <see cref="ResourceProviderService"/> over cleartext HTTP/2 (prior knowledge, as the
/// engine dials) on 127.0.0.1. The host is the empty builder: no configuration files, no environment-driven
/// settings, no logging providers; the slim and default builders read appsettings from the working directory,
/// which is the user's Pulumi program directory. Kestrel must be HTTP/2-only: with HTTP/1+2 on cleartext the
/// client's preface is rejected.
/// </summary>
public sealed class GrpcServer(ResourceProviderService service) : IAsyncDisposable
{
    private WebApplication? _app;

    public int Port { get; private set; }

    public async Task<int> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        // Nothing may reach stdout before the port line: no console logger at all.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = null; // the engine allows 400 MiB messages; its limit is the one that counts
            o.Limits.Http2.MaxStreamsPerConnection = 1000;
            o.Listen(IPAddress.Loopback, port, lo => lo.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = null;
            // A malformed request is answered with the reason (e.g. the protobuf parser's), not a generic text.
            o.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton(service);
        _app = builder.Build();
        _app.MapGrpcService<ResourceProviderService>();
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
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

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
    }
}
