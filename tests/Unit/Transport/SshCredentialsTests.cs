using Mvm.Transport;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mvm.Tests.Unit.Transport;

/// <summary>
/// Keys as users have them (ssh-keygen's OpenSSH, PEM and PKCS#8 formats; ed25519, rsa, ecdsa;
/// with a passphrase) are read from memory into the public key ssh-keygen printed, and a key that
/// cannot be used says why without showing the key or its passphrase.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshCredentialsTests : IDisposable
{
    private readonly GeneratedKeys _keys = new();

    public void Dispose() => _keys.Dispose();

    [Theory]
    [InlineData("ed25519", "RFC4716", "", 0)]
    [InlineData("ed25519", "RFC4716", "correct horse", 0)]
    [InlineData("rsa", "RFC4716", "", 2048)]
    [InlineData("rsa", "PEM", "", 2048)]
    [InlineData("rsa", "PEM", "correct horse", 2048)]
    [InlineData("rsa", "PKCS8", "", 2048)]
    [InlineData("ecdsa", "RFC4716", "", 256)]
    [InlineData("ecdsa", "PEM", "", 384)]
    [InlineData("ecdsa", "RFC4716", "correct horse", 521)]
    public void ReadsTheKeyInEachFormatFromMemory(string type, string format, string passphrase, int bits)
    {
        var (text, pub, _) = _keys.Make(type, format, passphrase, bits);
        // CRLF line ends, as a key pasted on Windows arrives, are accepted too.
        using var credentials = new SshCredentials("root", text.Replace("\n", "\r\n", StringComparison.Ordinal), null,
            passphrase, null, null, false, "h1");
        var method = Assert.IsType<PrivateKeyAuthenticationMethod>(Assert.Single(credentials.Methods));
        var offered = method.KeyFiles.Single().HostKeyAlgorithms.Select(a => Convert.ToBase64String(a.Data)).Distinct();
        Assert.Equal([pub.Split(' ')[1]], offered);
    }

    // The key is read when authentication asks for it (after the host answered).
    private static int Offered(SshCredentials credentials) =>
        ((PrivateKeyAuthenticationMethod)credentials.Methods[0]).KeyFiles.Single().HostKeyAlgorithms.Count;

    [Fact]
    public void AnEncryptedKeyWithoutItsPassphraseIsRefusedByName()
    {
        var (text, _, path) = _keys.Make("ed25519", "RFC4716", "s3cret-phrase");
        var missing = Assert.Throws<ArgumentException>(() => Offered(new SshCredentials("root", text, null, null, null, null, false, "h1")));
        Assert.Equal("the private key for h1 is encrypted and no passphrase is configured", missing.Message);
        var wrong = Assert.Throws<ArgumentException>(() =>
            Offered(new SshCredentials("root", null, path, "wrong-phrase-42", null, null, false, "jump host 10.0.0.9")));
        Assert.StartsWith("the private key for jump host 10.0.0.9 cannot be used", wrong.Message);
        Assert.DoesNotContain("wrong-phrase-42", wrong.Message);
        Assert.DoesNotContain("PRIVATE KEY", wrong.Message);
        var garbage = Assert.Throws<ArgumentException>(() =>
            Offered(new SshCredentials("root", "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----", null,
                null, null, null, false, "h1")));
        Assert.DoesNotContain("not a key", garbage.Message);
        var unreadable = Assert.Throws<ArgumentException>(() =>
            Offered(new SshCredentials("root", null, path + ".missing", null, null, null, false, "h1")));
        Assert.Contains($"the private key file {path}.missing for h1 cannot be read", unreadable.Message);
    }

    [Fact]
    public void APasswordLogsInByPasswordOrKeyboardInteractiveAndAnswersOnlyPasswordPrompts()
    {
        using var credentials = new SshCredentials("mvm", null, null, null, "pa55", null, false, "h1");
        Assert.Equal(["password", "keyboard-interactive"], credentials.Methods.Select(m => m.Name));
        var prompts = new[] { new AuthenticationPrompt(0, false, "Password: "), new AuthenticationPrompt(1, false, "Verification code: ") };
        SshCredentials.Answer(new AuthenticationPromptEventArgs("mvm", "", "", prompts), "pa55");
        Assert.Equal(["pa55", ""], prompts.Select(p => p.Response));
    }

    [Fact]
    public void WithNothingConfiguredOnlyTheNoneMethodIsTried()
    {
        using var credentials = new SshCredentials("root", null, null, null, null, "/nonexistent/agent.sock", false, "h1");
        Assert.Equal(["none"], credentials.Methods.Select(m => m.Name));
    }
}
