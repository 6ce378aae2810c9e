using Mvm.Cluster;
using Mvm.Resources.Shared;

namespace Mvm.Tests.Unit.Resources.Cluster;

/// <summary>The lines the provider writes so cluster hosts can migrate to each other, and how it edits files others also write.</summary>
public sealed class MigrationTrustTests
{
    private const string HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfH2 root@h2";
    private static readonly MigrationTrust.Peer H2 = new("h2", "10.20.0.12", 22, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMigrationKeyH2 mvm-migration", [HostKey]);

    [Fact]
    public void AuthorisedKeyIsRestrictedAndMarked()
    {
        Assert.Equal("restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMigrationKeyH2 mvm-migration@prod:h2", MigrationTrust.AuthorizedLine("prod", H2));
    }

    [Fact]
    public void KnownHostLinesUseTheAddressPeersConnectTo()
    {
        Assert.Equal(["10.20.0.12 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfH2 mvm-migration@prod:h2"], MigrationTrust.KnownHostLines("prod", H2));
        Assert.Equal(["[10.20.0.12]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfH2 mvm-migration@prod:h2"],
            MigrationTrust.KnownHostLines("prod", H2 with { Port = 2222 }));
    }

    [Fact]
    public void ReplacingKeepsOtherPeoplesLinesAndOtherClusters()
    {
        string[] file =
        [
            "ssh-ed25519 AAAAadmin admin@laptop",
            "restrict ssh-ed25519 AAAAold mvm-migration@prod:h2",
            "restrict ssh-ed25519 AAAAother mvm-migration@staging:h2",
        ];
        var result = MigrationTrust.Replace(file, "prod", [("h2", [MigrationTrust.AuthorizedLine("prod", H2)])]);
        Assert.Equal(["ssh-ed25519 AAAAadmin admin@laptop", "restrict ssh-ed25519 AAAAother mvm-migration@staging:h2",
            "restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMigrationKeyH2 mvm-migration@prod:h2"], result);
        // Applying the same wanted lines again changes nothing: the file is then not rewritten.
        Assert.Equal(result, MigrationTrust.Replace(result, "prod", [("h2", [MigrationTrust.AuthorizedLine("prod", H2)])]));
    }

    [Fact]
    public void TrustForOnePairLeavesTheOtherHostsLines()
    {
        string[] file = ["restrict ssh-ed25519 AAAAh3 mvm-migration@prod:h3", "restrict ssh-ed25519 AAAAold mvm-migration@prod:h2"];
        var result = MigrationTrust.Replace(file, "prod", [("h2", [MigrationTrust.AuthorizedLine("prod", H2)])]);
        Assert.Equal(["restrict ssh-ed25519 AAAAh3 mvm-migration@prod:h3", MigrationTrust.AuthorizedLine("prod", H2)], result);
    }

    [Fact]
    public void AClusterWhoseNameStartsLikeAnotherDoesNotTouchIt()
    {
        string[] file = ["restrict ssh-ed25519 AAAAx mvm-migration@prod2:h1"];
        Assert.Equal(file, MigrationTrust.Replace(file, "prod", []));
    }

    [Fact]
    public void OnlyOpenSshPublicKeysAreAccepted()
    {
        Assert.Equal("ssh-ed25519 AAAAb", MigrationTrust.KeyOf("ssh-ed25519 AAAAb comment with spaces"));
        Assert.Equal("ecdsa-sha2-nistp256 AAAAe", MigrationTrust.KeyOf("ecdsa-sha2-nistp256 AAAAe"));
        Assert.Throws<FormatException>(() => MigrationTrust.KeyOf("command=\"rm -rf /\" ssh-ed25519 AAAA"));
        Assert.Throws<FormatException>(() => MigrationTrust.KeyOf(""));
    }

    [Fact]
    public void TheDestinationUriCarriesTheKeyAndAPortOnlyWhenNotTheDefault()
    {
        Assert.Equal("qemu+ssh://root@10.20.0.12/system?keyfile=/etc/mvm/migration/id_ed25519",
            MigrationTrust.DestinationUri(new MemberHost { Name = "h2", Address = "10.20.0.12", SshPort = 22 }));
        Assert.Equal("qemu+ssh://root@10.20.0.12:2222/system?keyfile=/etc/mvm/migration/id_ed25519",
            MigrationTrust.DestinationUri(new MemberHost { Name = "h2", Address = "10.20.0.12", SshPort = 2222 }));
    }
}
