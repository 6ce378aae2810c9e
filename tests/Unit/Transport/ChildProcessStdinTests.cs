using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

/// <summary>stdin streamed into a local program: all of it arrives, and a source that fails mid-way is an error, never a short input.</summary>
public class ChildProcessStdinTests
{
    private sealed class FailingStream(int goodBytes) : MemoryStream(new byte[goodBytes])
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Position < Length ? base.ReadAsync(buffer, ct) : throw new IOException("disk read error");
    }

    [Fact]
    public async Task StreamsMoreThanAPipeBufferThrough()
    {
        var outcome = await ChildProcess.RunStreamingAsync("wc", ["-c"], null, new MemoryStream(new byte[3_000_000]), default);
        Assert.Equal("3000000", System.Text.Encoding.ASCII.GetString(outcome.Stdout).Trim());
    }

    [Fact]
    public async Task AFailingSourceFailsTheCommand()
    {
        var e = await Assert.ThrowsAsync<IOException>(() => ChildProcess.RunStreamingAsync("wc", ["-c"], null, new FailingStream(100_000), default));
        Assert.Contains("reading the input for wc failed", e.Message);
        Assert.Contains("disk read error", e.Message);
    }
}
