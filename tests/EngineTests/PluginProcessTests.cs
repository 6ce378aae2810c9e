using System.Diagnostics;
using Mvm.EngineHarness.Plugins;

namespace Mvm.EngineTests;

/// <summary>Launching a plugin the engine's way, with small shell scripts standing in for the binary.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PluginProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mvm-plugin-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string body)
    {
        var path = Path.Combine(_dir, $"plugin-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private PluginLaunchOptions Options(string script, string? engine = "127.0.0.1:1234") => new()
    {
        PluginPath = script,
        EngineAddress = engine,
        WorkingDirectory = _dir,
        Project = "lab",
        Config = new Dictionary<string, string> { ["sshUser"] = "root", ["a"] = "1" },
        LogToStderr = true,
        Verbosity = 9,
        PortTimeout = TimeSpan.FromSeconds(20),
    };

    private const string Forever = "while true; do sleep 0.05; done";

    [Fact]
    public async Task Launch_passes_args_env_and_cwd_and_reads_the_port_line()
    {
        var script = Script($$"""
            echo "args: $*" >&2
            echo "config: $PULUMI_CONFIG project: $PULUMI_PROJECT" >&2
            echo "cwd: $(pwd)" >&2
            trap 'echo got-int >&2; exit 0' INT
            printf '54321\r\n'
            echo "later stdout"
            {{Forever}}
            """);
        await using var plugin = await PluginProcess.StartAsync(Options(script));

        Assert.Equal(54321, plugin.Port);
        Assert.Equal("127.0.0.1:54321", plugin.Address);
        Assert.Equal("54321\r", plugin.PortLine);
        Assert.True(plugin.StartupTime > TimeSpan.Zero);
        Assert.Equal(0, await plugin.StopAsync());
        Assert.False(plugin.WasKilled);
        Assert.Contains("args: --logtostderr -v=9 127.0.0.1:1234", plugin.Stderr);
        Assert.Contains("""config: {"a":"1","sshUser":"root"} project: lab""", plugin.Stderr);
        Assert.Contains($"cwd: {_dir}", plugin.Stderr);
        Assert.Contains("got-int", plugin.Stderr);
        Assert.Equal("later stdout\n", plugin.Stdout);
    }

    [Fact]
    public async Task Anything_before_the_port_is_an_invalid_port_with_stderr_attached()
    {
        var script = Script("""
            echo "cannot bind: address in use" >&2
            echo "info: Microsoft.Hosting.Lifetime[14] Now listening on: http://127.0.0.1:5000"
            echo 5000
            sleep 5
            """);
        var e = await Assert.ThrowsAsync<PluginLaunchException>(() => PluginProcess.StartAsync(Options(script)));
        Assert.Contains("wrote an invalid port to stdout", e.Message);
        Assert.Contains("Now listening on", e.Message);
        Assert.Contains("cannot bind: address in use", e.Stderr);
    }

    [Fact]
    public async Task A_plugin_that_dies_before_the_newline_reports_exit_code_and_stderr()
    {
        var script = Script("""
            printf 123
            echo "fatal: missing libvirt" >&2
            exit 3
            """);
        var e = await Assert.ThrowsAsync<PluginLaunchException>(() => PluginProcess.StartAsync(Options(script)));
        Assert.Contains("wrote an invalid port to stdout", e.Message);
        Assert.Contains("stdout ended before a newline", e.Message);
        Assert.Equal(3, e.ExitCode);
        Assert.Contains("fatal: missing libvirt", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("12a")]
    [InlineData("")]
    public async Task Out_of_range_or_non_numeric_ports_are_rejected(string line)
    {
        var script = Script($"echo '{line}'\nsleep 5");
        var e = await Assert.ThrowsAsync<PluginLaunchException>(() => PluginProcess.StartAsync(Options(script)));
        Assert.Contains("wrote an invalid port to stdout", e.Message);
    }

    [Fact]
    public async Task Progress_escape_sequences_and_whitespace_around_the_port_are_stripped()
    {
        var script = Script($"trap 'exit 0' INT\nprintf '\\033]9;4;3;\\033\\\\ 4242 \\n'\n{Forever}");
        await using var plugin = await PluginProcess.StartAsync(Options(script));
        Assert.Equal(4242, plugin.Port);
    }

    [Fact]
    public async Task A_plugin_ignoring_sigint_is_killed_after_the_grace_period()
    {
        var script = Script($"trap '' INT\necho 4243\n{Forever}");
        await using var plugin = await PluginProcess.StartAsync(Options(script));
        var watch = Stopwatch.StartNew();
        await plugin.StopAsync(TimeSpan.FromMilliseconds(500));
        Assert.True(plugin.WasKilled);
        Assert.True(plugin.HasExited);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task No_port_line_within_the_timeout_fails_instead_of_hanging()
    {
        var script = Script("sleep 10");
        var e = await Assert.ThrowsAsync<PluginLaunchException>(() => PluginProcess.StartAsync(Options(script) with { PortTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Contains("wrote no port line", e.Message);
    }

    [Fact]
    public async Task Attach_mode_passes_no_engine_address()
    {
        var script = Script($"echo \"args: $*\" >&2\ntrap 'exit 0' INT\necho 4244\n{Forever}");
        await using var plugin = await PluginProcess.StartAsync(Options(script, engine: null));
        await plugin.StopAsync();
        Assert.Contains("args: --logtostderr -v=9\n", plugin.Stderr);
        Assert.Equal(["--logtostderr", "-v=9"], PluginProcess.BuildArguments(Options(script, engine: null)));
    }

    [Fact]
    public void Locator_prefers_the_published_plugin_then_the_newest_build()
    {
        var repo = Path.Combine(_dir, "repo");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(repo).FullName, "Provider.sln"), "");
        var debug = Path.Combine(repo, "provider/bin/Debug/net10.0/linux-x64/pulumi-resource-mvm");
        var release = Path.Combine(repo, "provider/bin/Release/net10.0/linux-x64/pulumi-resource-mvm");
        foreach (var p in new[] { debug, release })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, "");
        }
        File.SetLastWriteTimeUtc(debug, DateTime.UtcNow);
        File.SetLastWriteTimeUtc(release, DateTime.UtcNow.AddHours(-1));
        var deep = Directory.CreateDirectory(Path.Combine(repo, "tests/x/bin")).FullName;

        Assert.Equal(debug, PluginLocator.Locate(searchFrom: deep, useEnvironment: false));

        var published = Path.Combine(repo, "provider/bin/plugin/pulumi-resource-mvm");
        Directory.CreateDirectory(Path.GetDirectoryName(published)!);
        File.WriteAllText(published, "");
        Assert.Equal(published, PluginLocator.Locate(searchFrom: deep, useEnvironment: false));

        // An explicit directory wins and means "the binary inside it".
        Assert.Equal(debug, PluginLocator.Locate(Path.GetDirectoryName(debug), searchFrom: deep, useEnvironment: false));
        Assert.Throws<FileNotFoundException>(() => PluginLocator.Locate(searchFrom: _dir + "/nowhere", useEnvironment: false));
    }
}
