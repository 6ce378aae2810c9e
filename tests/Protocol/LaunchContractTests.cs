using System.Diagnostics;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Plugins;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// How the engine launches, talks to and stops the plugin (protocol doc §1): the port line is the only stdout,
/// Handshake and GetPluginInfo answer, SIGINT exits 0 (also with a call in flight), and attach mode serves
/// without an engine address until Attach.
/// </summary>
public sealed class LaunchContractTests(ITestOutputHelper output)
{
    private static PluginProcess Process(ProviderSession s) =>
        Assert.IsType<PluginProcess>(s.Plugin);

    [Fact]
    public async Task Port_line_is_the_only_stdout_and_handshake_plugin_info_and_sigint_behave()
    {
        await using var s = await PluginBinary.StartSessionAsync();
        var plugin = Process(s);
        output.WriteLine($"launch → port line: {plugin.StartupTime.TotalMilliseconds:0} ms (port {plugin.Port})");

        // The engine reads one line and Atoi()s it; nothing may precede or decorate it.
        Assert.Matches("^[0-9]{1,5}$", plugin.PortLine);
        Assert.Equal(plugin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), plugin.PortLine);

        var handshake = await s.HandshakeAsync();
        Assert.NotNull(handshake);
        Assert.True(handshake!.AcceptSecrets, "Handshake must accept secrets (the provider wraps them itself)");
        Assert.False(handshake.AcceptResources);

        var info = await s.Client.GetPluginInfoAsync();
        Assert.Equal(PluginBinary.DeclaredVersion, info.Version);

        // Exercise paths that log or fail, so anything written to the console would show on stdout.
        await s.Client.GetSchemaAsync();
        var configure = await Assert.ThrowsAsync<RpcFailure>(() => s.ConfigureAsync());
        Assert.NotNull(configure.MissingKeys);
        await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CheckAsync(s.CheckRequest("mvm:index:Nope", "x", new { })));
        await Assert.ThrowsAsync<RpcFailure>(() => s.Client.InvokeAsync(new InvokeRequest { Tok = "mvm:index:nothing" }));
        var check = await s.Client.CheckAsync(s.CheckRequest("mvm:index:OvsVlan", "web", new { connectString = TestConnectString.Value, vlanId = 9999 }));
        Assert.NotEmpty(check.Failures);

        var watch = Stopwatch.StartNew();
        var exit = await s.StopAsync();
        output.WriteLine($"SIGINT → exit {exit} in {watch.ElapsedMilliseconds} ms");
        Assert.Equal(0, exit);
        Assert.False(plugin.WasKilled, "the plugin ignored SIGINT and had to be killed");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"SIGINT took {watch.Elapsed} to stop the plugin");
        Assert.True(plugin.Stdout.Length == 0, $"the plugin wrote to stdout after the port line:\n{plugin.Stdout}");
    }

    [Fact]
    public async Task Sigint_with_a_call_in_flight_still_exits_0_promptly()
    {
        // A "host" that accepts but never sends its SSH banner: ssh, in Create's "inspect host" step, waits for it.
        await using var silent = new FakeSshServer(banner: null);
        await using var s = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            SecretConfig = new Dictionary<string, string> { ["sshPassword"] = "pw" },
        });
        await s.HandshakeAsync();
        await s.ConfigureAsync();
        var inputs = (await s.Client.CheckAsync(s.CheckRequest("mvm:index:MvmCluster", "c", Clusters.Standard(silent.Port)))).Inputs;
        var create = s.Client.CreateAsync(new CreateRequest { Urn = s.Urn("mvm:index:MvmCluster", "c"), Name = "c", Type = "mvm:index:MvmCluster", Properties = inputs });
        await WaitUntil(() => silent.Connections > 0, TimeSpan.FromSeconds(10), "the plugin never connected to the fake host");
        Assert.False(create.IsCompleted);

        var watch = Stopwatch.StartNew();
        var exit = await s.StopAsync();
        Assert.Equal(0, exit);
        Assert.False(Process(s).WasKilled);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"SIGINT with a call in flight took {watch.Elapsed}");
        var failure = await Assert.ThrowsAsync<RpcFailure>(() => create);
        output.WriteLine($"in-flight Create ended with {failure.Code}: {failure.StatusMessage}");
        Assert.True(Process(s).Stdout.Length == 0, Process(s).Stdout);
    }

    /// <summary>
    /// `pulumi up &amp;` in a CI script, nohup: the plugin inherits SIGINT (and SIGQUIT) ignored. The engine still
    /// stops it with SIGINT, so it must exit 0 promptly either way, not wait to be killed.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Sigint_stops_the_plugin_even_when_its_parent_ignored_sigint(bool parentIgnoresSigint)
    {
        using var dir = new TempDirectory("mvm-launch");
        // A launcher that sets the disposition a background shell gives its children, then execs the target.
        var launcher = dir.Write("launch", $"#!/bin/sh\n{(parentIgnoresSigint ? "trap '' INT QUIT\n" : "")}exec \"$MVM_TEST_TARGET\" \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (parentIgnoresSigint)
            Assert.True(IgnoresSigint(await LauncherSigIgnAsync(launcher)), "the launcher did not leave SIGINT ignored, so this test would prove nothing");

        await using var s = await ProviderSession.StartAsync(new ProviderSessionOptions
        {
            PluginPath = launcher,
            Environment = PluginBinary.Environment(new Dictionary<string, string?> { ["MVM_TEST_TARGET"] = PluginBinary.Path }),
        });
        var plugin = Process(s);
        Assert.NotNull(await s.HandshakeAsync());

        var watch = Stopwatch.StartNew();
        var exit = await s.StopAsync();
        output.WriteLine($"parent ignores SIGINT: {parentIgnoresSigint}; launch → port line {plugin.StartupTime.TotalMilliseconds:0} ms; SIGINT → exit {exit} in {watch.ElapsedMilliseconds} ms");
        Assert.False(plugin.WasKilled, "the plugin ignored SIGINT and had to be killed");
        Assert.Equal(0, exit);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"SIGINT took {watch.Elapsed} to stop the plugin");
    }

    /// <summary>The SigIgn mask a process started by <paramref name="launcher"/> begins with.</summary>
    private static async Task<string> LauncherSigIgnAsync(string launcher)
    {
        var start = new ProcessStartInfo(launcher) { RedirectStandardOutput = true, ArgumentList = { "SigIgn:", "/proc/self/status" } };
        start.Environment["MVM_TEST_TARGET"] = "/bin/grep";
        using var grep = System.Diagnostics.Process.Start(start)!;
        var line = (await grep.StandardOutput.ReadToEndAsync()).Trim();
        await grep.WaitForExitAsync();
        return line;
    }

    private static bool IgnoresSigint(string sigIgnLine)
        => (ulong.Parse(sigIgnLine["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & 0b10) != 0;

    [Fact]
    public async Task Without_an_engine_address_it_serves_and_waits_for_attach()
    {
        // Drops each connection after the identification exchange, so the Create below fails at once.
        await using var host = new FakeSshServer(closeAfterIdentification: true);
        await using var s = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            AttachMode = true,
            SecretConfig = new Dictionary<string, string> { ["sshPassword"] = "pw" },
        });
        var plugin = Process(s);
        output.WriteLine($"attach mode: launch → port line {plugin.StartupTime.TotalMilliseconds:0} ms");
        Assert.Null(plugin.Options.EngineAddress);
        var argv = File.ReadAllText($"/proc/{plugin.Pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(argv, a => a.StartsWith("127.0.0.1:", StringComparison.Ordinal));

        // Still alive and serving (not exited for lack of an engine address).
        await Task.Delay(200);
        Assert.False(plugin.HasExited, $"plugin exited without an engine address: {plugin.Stderr}");

        // As the engine does with PULUMI_DEBUG_PROVIDERS: Handshake (no directories), Attach(engine address).
        var handshake = await s.AttachAsync();
        Assert.True(handshake?.AcceptSecrets);
        Assert.True((await s.HandshakeAsync())?.AcceptSecrets);
        Assert.Equal(PluginBinary.DeclaredVersion, (await s.Client.GetPluginInfoAsync()).Version);

        // Attach gave the plugin the engine address: progress of a Create now reaches this engine.
        await s.ConfigureAsync();
        var inputs = (await s.Client.CheckAsync(s.CheckRequest("mvm:index:MvmCluster", "c", Clusters.Standard(host.Port)))).Inputs;
        await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(new CreateRequest
        {
            Urn = s.Urn("mvm:index:MvmCluster", "c"), Name = "c", Type = "mvm:index:MvmCluster", Properties = inputs,
        }));
        Assert.True(host.Connections > 0, "the Create never reached the host");
        Assert.True(s.Logs.Any(l => l.Message.Contains("inspect host on h1", StringComparison.Ordinal)),
            "after Attach, the plugin's Engine.Log messages did not reach the attached engine; plugin stderr:\n" + plugin.Stderr);
        Assert.Equal(0, await s.StopAsync());
        Assert.True(plugin.Stdout.Length == 0, plugin.Stdout);
    }

    internal static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string message)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
                Assert.Fail(message);
            await Task.Delay(20);
        }
    }
}
