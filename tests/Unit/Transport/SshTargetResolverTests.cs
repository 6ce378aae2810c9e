using Mvm.Framework.Config;
using Mvm.Resources.Shared;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

public class SshTargetResolverTests
{
    private static readonly Func<string, string?> NoAgent = _ => null;

    private static SshTarget Resolve(ProviderConfig config, ClusterHost host, Func<string, string?>? env = null) =>
        SshTargetResolver.Resolve(config.ToSshDefaults(), host.ToMember().Access().SshSettings(), host.Name,
            env ?? NoAgent);

    [Fact]
    public void DefaultsAreRootPort22NoSudoAndVerifiedHostKeys()
    {
        var t = Resolve(new ProviderConfig(), new ClusterHost { Name = "h1", Address = "10.0.0.1" });
        Assert.Equal(("h1", "10.0.0.1", 22, "root"), (t.Name, t.Address, t.Port, t.User));
        Assert.False(t.Sudo);
        Assert.False(t.TrustOnFirstUse);
        Assert.False(t.UseAgent);
        Assert.Empty(t.JumpHosts);
        Assert.Equal(TimeSpan.FromSeconds(15), t.ConnectTimeout);
        Assert.Equal("root@10.0.0.1:22", t.Endpoint);
    }

    [Fact]
    public void SudoFollowsEachHostsUserWhenNothingSetsIt()
    {
        // Through the loader, as the provider really gets its configuration (stack config says nothing about sudo).
        var (config, failures) = ConfigLoader.Load(Mvm.Protocol.ObjectProperty.Empty, NoAgent);
        Assert.Empty(failures);
        Assert.False(Resolve(config, new ClusterHost { Name = "h1", Address = "10.0.0.1" }).Sudo);
        Assert.True(Resolve(config, new ClusterHost { Name = "h2", Address = "10.0.0.2", SshUser = "mvm" }).Sudo);
    }

    [Fact]
    public void HostOverridesWinOverTheProvider()
    {
        var config = new ProviderConfig
        {
            SshUser = "ops", SshPort = 2200, SshPrivateKey = "provider-key", SshPassword = "provider-pw", Sudo = false,
            HostKeys = new() { ["10.0.0.1"] = TestKeys.RsaPublic },
            JumpHosts = [new JumpHost { Address = "bastion" }],
        };
        var host = new ClusterHost
        {
            Name = "h1", Address = "10.0.0.1", SshPort = 22, SshUser = "mvm", SshPrivateKey = "host-key", SshPassword = "host-pw",
            HostKey = TestKeys.Ed25519Public, JumpHosts = [], Sudo = true,
        };
        var t = Resolve(config, host);
        Assert.Equal((22, "mvm", "host-key", "host-pw", true), (t.Port, t.User, t.PrivateKey, t.Password, t.Sudo));
        // A host's own pin is the only key accepted; the provider's entry is not added.
        Assert.Equal([TestKeys.Ed25519Public], t.PinnedHostKeys);
        Assert.True(t.PinnedOnly);
        // An empty list on the host means "no jump hosts", not "inherit".
        Assert.Empty(t.JumpHosts);
    }

    [Fact]
    public void ProviderSettingsApplyWhenTheHostSaysNothing()
    {
        var config = new ProviderConfig
        {
            SshUser = "ops", SshPort = 2200, SshPrivateKeyFile = "/keys/id", KnownHosts = "kh", KnownHostsFile = "/kh",
            TrustOnFirstUse = true, ConnectTimeout = "1m30s",
            HostKeys = new() { ["h1"] = TestKeys.Ed25519Public, ["10.0.0.9"] = TestKeys.RsaPublic },
        };
        var t = Resolve(config, new ClusterHost { Name = "h1", Address = "10.0.0.1" });
        Assert.Equal((2200, "ops", (string?)null, "/keys/id"), (t.Port, t.User, t.PrivateKey, t.PrivateKeyFile));
        Assert.True(t.Sudo); // not root
        Assert.True(t.TrustOnFirstUse);
        Assert.Equal(("kh", "/kh"), (t.KnownHosts, t.KnownHostsFile));
        Assert.Equal(TimeSpan.FromSeconds(90), t.ConnectTimeout);
        // Found by name as well as address; a pin is a requirement, so known_hosts cannot vouch for another key.
        Assert.Equal([TestKeys.Ed25519Public], t.PinnedHostKeys);
        Assert.True(t.PinnedOnly);
        // A host without a pin is verified against known_hosts.
        Assert.False(Resolve(config, new ClusterHost { Name = "h2", Address = "10.0.0.2" }).PinnedOnly);
    }

    [Fact]
    public void KeyTextBeatsAKeyFile()
    {
        var t = Resolve(new ProviderConfig { SshPrivateKeyFile = "/keys/id" }, new ClusterHost { Name = "h", Address = "h", SshPrivateKey = "text" });
        Assert.Equal(("text", (string?)null), (t.PrivateKey, t.PrivateKeyFile));
    }

    [Fact]
    public void AgentFollowsSshAuthSockUnlessConfigured()
    {
        var host = new ClusterHost { Name = "h", Address = "h" };
        Assert.True(Resolve(new ProviderConfig(), host, v => v == "SSH_AUTH_SOCK" ? "/run/agent" : null).UseAgent);
        Assert.False(Resolve(new ProviderConfig { SshAgent = false }, host, v => v == "SSH_AUTH_SOCK" ? "/run/agent" : null).UseAgent);
        Assert.True(Resolve(new ProviderConfig { SshAgent = true }, host).UseAgent);
    }

    [Fact]
    public void JumpHostsTakeTheirOwnSettingsOrTheProvidersDefaults()
    {
        var config = new ProviderConfig
        {
            SshUser = "ops", SshPrivateKey = "provider-key",
            HostKeys = new() { ["10.9.0.1"] = TestKeys.RsaPublic },
            JumpHosts =
            [
                new JumpHost { Address = "10.9.0.1" },
                new JumpHost { Address = "10.9.0.2", Port = 2022, User = "jump", PrivateKey = "hop-key", HostKey = TestKeys.Ed25519Public },
            ],
        };
        var t = Resolve(config, new ClusterHost { Name = "h", Address = "10.0.0.1", SshUser = "root" });
        Assert.Equal(2, t.JumpHosts.Count);
        var (a, b) = (t.JumpHosts[0], t.JumpHosts[1]);
        Assert.Equal(("10.9.0.1", 22, "ops", "provider-key", true), (a.Address, a.Port, a.User, a.PrivateKey, a.PinnedOnly));
        Assert.Equal([TestKeys.RsaPublic], a.PinnedHostKeys);
        Assert.Equal(("10.9.0.2", 2022, "jump", "hop-key", true), (b.Address, b.Port, b.User, b.PrivateKey, b.PinnedOnly));
        Assert.Contains("provider-key", t.Secrets());
        Assert.Contains("hop-key", t.Secrets());
    }

    [Theory]
    [InlineData("-oProxyCommand=x", null, null, null, "address")]
    [InlineData("host name", null, null, null, "address")]
    [InlineData("h\nProxyCommand x", null, null, null, "address")]
    [InlineData("h", "ro ot", null, null, "sshUser")]
    [InlineData("h", null, 70000, null, "sshPort")]
    [InlineData("h", null, null, "soon", "connectTimeout")]
    public void RejectsValuesThatCouldChangeWhatSshDoes(string address, string? user, int? port, string? timeout, string field)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Resolve(new ProviderConfig { ConnectTimeout = timeout }, new ClusterHost { Name = "h1", Address = address, SshUser = user, SshPort = port }));
        Assert.Contains(field, e.Message);
        Assert.Contains("h1", e.Message);
    }

    [Fact]
    public void RejectsAPinnedKeyThatIsNotAKey()
    {
        var e = Assert.Throws<ArgumentException>(() => Resolve(new ProviderConfig(), new ClusterHost { Name = "h1", Address = "h", HostKey = "SHA256:abc" }));
        Assert.Contains("hostKey", e.Message);
    }

    [Fact]
    public void ToStringNeverShowsSecrets()
    {
        var t = Resolve(new ProviderConfig { JumpHosts = [new JumpHost { Address = "b", PrivateKey = "hop-secret" }] },
            new ClusterHost { Name = "h", Address = "h", SshPrivateKey = "key-secret", SshPassword = "pw-secret" });
        var text = t.ToString();
        Assert.DoesNotContain("secret", text.Replace("[secret]", "", StringComparison.Ordinal));
    }
}
