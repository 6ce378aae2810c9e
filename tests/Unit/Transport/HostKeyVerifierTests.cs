using System.Text;
using Mvm.Transport;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;

namespace Mvm.Tests.Unit.Transport;

/// <summary>
/// The host-key decision SSH.NET's key exchange asks for, fed with the test ed25519 key as the
/// key a host offers: which configurations accept it, and what a refusal reports.
/// </summary>
public class HostKeyVerifierTests
{
    private static HostKeyEventArgs Offer()
    {
        var key = new PrivateKeyFile(new MemoryStream(Encoding.ASCII.GetBytes(TestKeys.Ed25519Private)));
        return new HostKeyEventArgs((KeyHostAlgorithm)key.HostKeyAlgorithms.First());
    }

    private static (bool Trusted, HostKeyVerifier Verifier) Check(IReadOnlyList<string> pins, string known, bool tofu = false,
        int port = 22)
    {
        var verifier = new HostKeyVerifier("10.0.0.1", port, pins, known, tofu);
        var offer = Offer();
        verifier.Check(null, offer);
        return (offer.CanTrust, verifier);
    }

    [Fact]
    public void AcceptsTheKnownKeyAndNamesBothFingerprintsOfAnother()
    {
        Assert.True(Check([], $"10.0.0.1 {TestKeys.Ed25519Public}").Trusted);
        Assert.True(Check([], $"[10.0.0.1]:2222 {TestKeys.Ed25519Public}", port: 2222).Trusted);

        var (trusted, v) = Check([], $"10.0.0.1 {TestKeys.RsaPublic}\n10.0.0.2 {TestKeys.Ed25519Public}");
        Assert.False(trusted);
        Assert.Equal(SshFailureKind.HostKeyChanged, v.Refusal);
        Assert.Equal(new HostKeyFingerprint("ssh-ed25519", TestKeys.Ed25519Fingerprint), v.Offered);
        Assert.Equal([new HostKeyFingerprint("ssh-rsa", TestKeys.RsaFingerprint)], v.Expected);
    }

    [Fact]
    public void AnUnknownHostIsRefusedUnlessTrustOnFirstUseRecordsIt()
    {
        var (trusted, v) = Check([], $"10.0.0.2 {TestKeys.Ed25519Public}");
        Assert.False(trusted);
        Assert.Equal(SshFailureKind.HostKeyUnknown, v.Refusal);
        Assert.Null(v.Learned);

        (trusted, v) = Check([], "", tofu: true);
        Assert.True(trusted);
        Assert.Equal(string.Join(' ', TestKeys.Ed25519Public.Split(' ')[..2]), v.Learned);
        // Trust on first use never replaces a key that is known: a changed key is still refused.
        Assert.False(Check([], $"10.0.0.1 {TestKeys.RsaPublic}", tofu: true).Trusted);
    }

    [Fact]
    public void APinIsTheOnlyKeyThatCounts()
    {
        // known_hosts vouches for the offered key, the pin names another: refused, pin reported.
        var (trusted, v) = Check([TestKeys.RsaPublic], $"10.0.0.1 {TestKeys.Ed25519Public}", tofu: true);
        Assert.False(trusted);
        Assert.Equal(SshFailureKind.HostKeyChanged, v.Refusal);
        Assert.Equal([new HostKeyFingerprint("ssh-rsa", TestKeys.RsaFingerprint)], v.Expected);
        Assert.True(Check([TestKeys.Ed25519Public], "").Trusted);
    }

    [Fact]
    public void ARevokedKeyIsRefusedEvenWhenListed()
    {
        var (trusted, v) = Check([], $"10.0.0.1 {TestKeys.Ed25519Public}\n@revoked * {TestKeys.Ed25519Public}");
        Assert.False(trusted);
        Assert.Equal(SshFailureKind.HostKeyChanged, v.Refusal);
    }

    [Fact]
    public void OffersOnlyTheKeyTypesItCanCheckAndNoCertificates()
    {
        var info = new ConnectionInfo("10.0.0.1", "root", new NoneAuthenticationMethod("root"));
        new HostKeyVerifier("10.0.0.1", 22, [], $"10.0.0.1 {TestKeys.RsaPublic}", false).Restrict(info);
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"], info.HostKeyAlgorithms.Keys);

        var open = new ConnectionInfo("10.0.0.1", "root", new NoneAuthenticationMethod("root"));
        new HostKeyVerifier("10.0.0.1", 22, [], "", true).Restrict(open);
        Assert.Contains("ssh-ed25519", open.HostKeyAlgorithms.Keys);
        Assert.DoesNotContain(open.HostKeyAlgorithms.Keys, k => k.Contains("-cert-", StringComparison.Ordinal));
    }
}
