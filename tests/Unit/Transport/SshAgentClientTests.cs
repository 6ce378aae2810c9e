using System.Diagnostics;
using System.Text;
using Mvm.Transport;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace Mvm.Tests.Unit.Transport;

/// <summary>
/// The agent protocol against a real ssh-agent started here: it lists the keys ssh-add gave
/// it, and its signatures verify with the public key, under the algorithm asked for.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshAgentClientTests : IDisposable
{
    private readonly GeneratedKeys _keys = new();
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"mvm-agent-{Guid.NewGuid():N}.sock");
    private readonly Process _agent;

    public SshAgentClientTests()
    {
        _agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", _socket]) { RedirectStandardOutput = true })!;
        for (var i = 0; i < 100 && !File.Exists(_socket); i++) Thread.Sleep(20);
    }

    public void Dispose()
    {
        _agent.Kill();
        _agent.WaitForExit();
        _agent.Dispose();
        File.Delete(_socket);
        _keys.Dispose();
    }

    private (string Private, string Public) Add(string type, int bits = 0)
    {
        var (text, pub, path) = _keys.Make(type, "RFC4716", "", bits);
        GeneratedKeys.Run("ssh-add", ["-q", path], new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = _socket });
        return (text, pub);
    }

    private static HostAlgorithm Local(string privateKey, string algorithm) =>
        new PrivateKeyFile(new MemoryStream(Encoding.ASCII.GetBytes(privateKey))).HostKeyAlgorithms.Single(a => a.Name == algorithm);

    [Fact]
    public void ListsTheKeysAndSignsWithTheAlgorithmAskedFor()
    {
        var ed = Add("ed25519");
        var rsa = Add("rsa", 2048);
        var listed = SshAgentClient.ListKeys(_socket);
        Assert.Equal([ed.Public.Split(' ')[1], rsa.Public.Split(' ')[1]], listed.Select(k => Convert.ToBase64String(k.Blob)));

        var data = Encoding.ASCII.GetBytes("session id and request");
        Assert.True(Local(ed.Private, "ssh-ed25519").VerifySignature(data, SshAgentClient.Sign(_socket, listed[0].Blob, data, 0)));
        foreach (var (name, flag) in new[] { ("rsa-sha2-256", SshAgentClient.RsaSha2256), ("rsa-sha2-512", SshAgentClient.RsaSha2512) })
        {
            var signature = SshAgentClient.Sign(_socket, listed[1].Blob, data, flag);
            Assert.Equal(name, Encoding.ASCII.GetString(signature, 4, name.Length));
            Assert.True(Local(rsa.Private, name).VerifySignature(data, signature));
            Assert.False(Local(rsa.Private, name).VerifySignature(Encoding.ASCII.GetBytes("other"), signature));
        }
    }

    [Fact]
    public void OffersRsaKeysAsSha2OnlyAndNothingWhenTheAgentIsGone()
    {
        Add("ed25519");
        Add("rsa", 2048);
        Assert.Equal(["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"], new SshAgentKeys(_socket).HostKeyAlgorithms.Select(a => a.Name));
        Assert.Empty(new SshAgentKeys(_socket + ".gone").HostKeyAlgorithms);
        var unknown = Assert.Throws<IOException>(() => SshAgentClient.Sign(_socket, [0, 0, 0, 1, 0x41], [1], 0));
        Assert.Contains("refused to sign", unknown.Message);
    }
}
