using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>What the CLI prints: each plugin log event once (issue 12: every line used to appear twice).</summary>
public sealed class TranscriptTests
{
    private const string Program = """
        name: lab
        runtime: yaml
        resources:
          a:
            type: mvm:Thing
            properties:
              size: 1
        """;

    private static int Occurrences(string text, string part)
        => text.Split('\n').Count(l => l.Contains(part, StringComparison.Ordinal));

    [Fact]
    public async Task Streamed_logs_are_printed_once_as_they_arrive_and_counted_under_diagnostics()
    {
        var live = new StringWriter();
        await using var f = await EngineFixture.StartAsync(Program, configure: o => o with { StreamLogs = true, Output = live });
        f.Cloud.OnCreate = async r =>
        {
            await f.Launcher.Instances.Last().LogAsync(LogSeverity.Warning, "h3 is slow to answer\nretrying once", r.Urn);
            return null; // then the default create, which logs "creating a"
        };
        var up = await f.UpOkAsync();

        Assert.Equal(1, Occurrences(up.Transcript, "creating a"));
        Assert.Equal(1, Occurrences(up.Transcript, "h3 is slow to answer"));
        Assert.Equal(1, Occurrences(up.Transcript, "retrying once"));
        Assert.Contains("    [info] mvm:index:Thing (a): creating a", up.Transcript);
        Assert.Contains("    [warning] mvm:index:Thing (a): h3 is slow to answer\n        retrying once", up.Transcript.ReplaceLineEndings("\n"));
        var diagnostics = up.Transcript[up.Transcript.IndexOf("Diagnostics:", StringComparison.Ordinal)..];
        Assert.Contains("  mvm:index:Thing (a):\n    1 warning, 1 info message (shown above)", diagnostics.ReplaceLineEndings("\n"));
        Assert.Equal(up.Transcript, live.ToString());
    }

    [Fact]
    public async Task A_check_failure_is_printed_once_under_diagnostics()
    {
        await using var f = await EngineFixture.StartAsync(Program.Replace("size: 1", "invalid: vlan 5000 is out of range"), configure: o => o with { StreamLogs = true });
        var preview = await f.PreviewAsync();
        Assert.False(preview.Succeeded);
        Assert.Contains(" +  mvm:index:Thing a **create failed**", preview.Transcript);
        Assert.Equal(1, Occurrences(preview.Transcript, "invalid: vlan 5000 is out of range"));
    }

    [Fact]
    public async Task Without_streaming_each_log_is_printed_once_under_diagnostics()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        var up = await f.UpOkAsync();
        Assert.Equal(1, Occurrences(up.Transcript, "creating a"));
        var diagnostics = up.Transcript[up.Transcript.IndexOf("Diagnostics:", StringComparison.Ordinal)..];
        Assert.Contains("    info: creating a", diagnostics);
    }
}
