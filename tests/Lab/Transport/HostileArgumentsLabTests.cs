using System.Text;
using Mvm.Tests.Transport;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>
/// Every hostile argument must reach the remote program as exactly one argument with the same
/// bytes. The remote side prints each argument it received NUL-terminated, base64-encoded, and
/// the test compares byte for byte.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class HostileArgumentsLabTests(LabFixture lab)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(30);

    // bash's printf writes each "$@" element followed by a NUL; base64 keeps the bytes exact.
    private static IReadOnlyList<string> Echoer(IEnumerable<string> args) =>
        ["bash", "-c", "printf '%s\\0' \"$@\" | base64 -w0", "mvm-argv", .. args];

    [Fact]
    public async Task CorpusArrivesByteForByteAsRootAsSudoUserAndInAScript()
    {
        var corpus = HostileStrings.Corpus();
        Assert.True(corpus.Count >= 200, $"the corpus has only {corpus.Count} strings");
        await using var transport = new SshTransport();

        var root = transport.Host(lab.Target(lab.H1));
        AssertIntact(corpus, await root.RunCheckedAsync(Echoer(corpus), T, default), "root");

        var sudo = transport.Host(lab.Target(lab.H2, c => c.SshUser = "mvm"));
        AssertIntact(corpus, await sudo.RunCheckedAsync(Echoer(corpus), T, default), "mvm through sudo");

        var script = new RemoteScript().Add(["true"]).Add(Echoer(corpus), Encoding.UTF8.GetBytes("stdin ignored"));
        var results = await script.RunAsync(root, T, default);
        AssertIntact(corpus, results[1]!.EnsureSuccess(), "RemoteScript");
    }

    [Fact]
    public async Task NulIsRejectedBeforeAnythingIsSent()
    {
        // Counted against what this process already held: earlier lab tests of the same run may still hold
        // connections to lab hosts (CI saw 5 here), which say nothing about this host.
        var before = LabFixture.OurSshConnections();
        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H1));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => host.RunAsync(["echo", "ok", "a\0b"], null, T, default));
        Assert.Contains("NUL", e.Message);
        Assert.Contains("argument 2", e.Message);
        // Not even a connection was opened.
        Assert.Equal(0, host.ConnectCount);
        Assert.False(host.IsConnected);
        Assert.Equal(before, LabFixture.OurSshConnections());
        Assert.Throws<ArgumentException>(() => new RemoteScript().Add(["echo", "\0"]));
    }

    private static void AssertIntact(IReadOnlyList<string> sent, CommandResult result, string how)
    {
        var received = Convert.FromBase64String(result.StdoutText.Trim());
        var parts = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < received.Length; i++)
        {
            if (received[i] != 0) continue;
            parts.Add(received[start..i]);
            start = i + 1;
        }
        Assert.True(start == received.Length, $"{how}: output does not end with a NUL terminator");
        Assert.True(sent.Count == parts.Count, $"{how}: sent {sent.Count} arguments, the host received {parts.Count}");
        for (var i = 0; i < sent.Count; i++)
        {
            var expected = Encoding.UTF8.GetBytes(sent[i]);
            Assert.True(expected.AsSpan().SequenceEqual(parts[i]),
                $"{how}: argument {i} {Convert.ToHexString(expected)} arrived as {Convert.ToHexString(parts[i])}");
        }
    }
}
