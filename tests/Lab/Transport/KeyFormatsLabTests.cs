using Mvm.Tests.Unit.Transport;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Transport;

/// <summary>
/// Keys of each type and file format ssh-keygen writes, some with a passphrase, log in to a real
/// sshd (added to h1's root authorized_keys for the test, which puts the file back afterwards).
/// </summary>
[Collection(LabCollection.Name)]
public sealed class KeyFormatsLabTests(LabFixture lab)
{
    private const string Keys = "/root/.ssh/authorized_keys";

    [Fact]
    public async Task LogsInWithRsaEcdsaAndEd25519KeysInOpenSshPemAndPkcs8Formats()
    {
        using var keys = new GeneratedKeys();
        var made = new[]
        {
            (Key: keys.Make("rsa", "PEM", "rsa pass", 3072), Passphrase: "rsa pass"),
            (Key: keys.Make("rsa", "PKCS8", "", 2048), Passphrase: ""),
            (Key: keys.Make("ecdsa", "RFC4716", "", 256), Passphrase: ""),
            (Key: keys.Make("ecdsa", "PEM", "ec pass", 521), Passphrase: "ec pass"),
            (Key: keys.Make("ed25519", "RFC4716", "ed pass"), Passphrase: "ed pass"),
        };
        Assert.Equal(0, lab.Exec(lab.H1, "cp", "-p", Keys, Keys + ".mvm-test").Exit);
        try
        {
            foreach (var (key, _) in made)
                Assert.Equal(0, lab.Exec(lab.H1, "sh", "-c", "printf '%s\\n' \"$1\" >>" + Keys, "sh", key.Public).Exit);
            await using var transport = new SshTransport();
            foreach (var (key, passphrase) in made)
            {
                var target = lab.Target(lab.H1) with { PrivateKey = key.Private, PrivateKeyPassphrase = passphrase };
                var r = await transport.Host(target).RunCheckedAsync(["hostname"], TimeSpan.FromSeconds(20), default);
                Assert.Equal("h1\n", r.StdoutText);
            }
        }
        finally
        {
            lab.Exec(lab.H1, "mv", "-f", Keys + ".mvm-test", Keys);
        }
    }
}
