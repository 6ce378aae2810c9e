using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

public class HostKeyTests
{
    [Fact]
    public void FingerprintsMatchSshKeygen()
    {
        Assert.Equal(new HostKeyFingerprint("ssh-ed25519", TestKeys.Ed25519Fingerprint), HostKeyFingerprint.FromPublicKey(TestKeys.Ed25519Public));
        Assert.Equal(TestKeys.RsaFingerprint, HostKeyFingerprint.FromPublicKey(TestKeys.RsaPublic).Fingerprint);
        Assert.Equal($"{TestKeys.Ed25519Fingerprint} (ssh-ed25519)", HostKeyFingerprint.FromPublicKey(TestKeys.Ed25519Public).ToString());
    }

    [Fact]
    public void RejectsWhatIsNotAPublicKey()
    {
        Assert.Throws<FormatException>(() => HostKeyFingerprint.FromPublicKey("ssh-ed25519"));
        Assert.Throws<FormatException>(() => HostKeyFingerprint.FromPublicKey("ssh-ed25519 not*base64"));
    }

    [Fact]
    public void FindsAHostsKeysByPlainWildcardAndHashedNames()
    {
        var text = string.Join('\n',
            "# comment",
            $"h1,10.0.0.1 {TestKeys.Ed25519Public}",
            $"[10.0.0.2]:2222 {TestKeys.RsaPublic}",
            $"10.0.1.* {TestKeys.RsaPublic}",
            $"*,!10.0.9.9 {TestKeys.Ed25519Public}",
            $"@revoked 10.0.0.1 {TestKeys.RsaPublic}",
            TestKeys.HashedLine,
            "garbage");
        var entries = KnownHosts.Parse(text);
        Assert.Equal(6, entries.Count);
        Assert.Equal(["ssh-ed25519", "ssh-ed25519"], KnownHosts.For(entries, "10.0.0.1", 22).Select(e => e.KeyType));
        Assert.Contains(KnownHosts.For(entries, "10.0.0.2", 2222), e => e.KeyType == "ssh-rsa");
        Assert.DoesNotContain(KnownHosts.For(entries, "10.0.0.2", 22), e => e.KeyType == "ssh-rsa");
        Assert.Contains(KnownHosts.For(entries, "10.0.1.7", 22), e => e.KeyType == "ssh-rsa");
        Assert.Empty(KnownHosts.For(entries, "10.0.9.9", 22));
        // The hashed line matches only the name it was made for.
        Assert.True(KnownHosts.Matches(KnownHosts.Parse(TestKeys.HashedLine)[0].Hosts, "10.0.0.5"));
        Assert.False(KnownHosts.Matches(KnownHosts.Parse(TestKeys.HashedLine)[0].Hosts, "10.0.0.6"));
    }

    [Fact]
    public void WritesPinnedKeysAsSshLooksThemUp()
    {
        Assert.Equal("10.0.0.1 ssh-ed25519 " + TestKeys.Ed25519Public.Split(' ')[1], KnownHosts.Line("10.0.0.1", 22, TestKeys.Ed25519Public));
        Assert.StartsWith("[10.0.0.1]:2200 ssh-ed25519 ", KnownHosts.Line("10.0.0.1", 2200, TestKeys.Ed25519Public));
    }
}
