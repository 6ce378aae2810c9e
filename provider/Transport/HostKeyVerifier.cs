using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mvm.Transport;

/// <summary>
/// Decides whether the key one endpoint (the target or a jump host) offers during the key
/// exchange is the one configured for it: a pin when the endpoint has one (nothing else counts),
/// otherwise the known_hosts lines for `address`/`[address]:port`, otherwise (only when
/// trust-on-first-use is on) whatever it offers, which is then recorded. A refused key is kept
/// so the error can name the expected and the offered fingerprints.
/// </summary>
internal sealed class HostKeyVerifier
{
    private readonly IReadOnlyList<KnownHostEntry> _expected;
    private readonly IReadOnlyList<KnownHostEntry> _revoked;
    private readonly bool _tofu;

    public HostKeyVerifier(string address, int port, IReadOnlyList<string> pins, string knownHostsText, bool tofu)
    {
        Address = address;
        Port = port;
        if (pins.Count > 0)
        {
            _expected = KnownHosts.Parse(string.Concat(pins.Select(k => KnownHosts.Line(address, port, k) + "\n")));
            _revoked = [];
            _tofu = false;
        }
        else
        {
            var entries = KnownHosts.Parse(knownHostsText);
            _expected = KnownHosts.For(entries, address, port);
            var name = KnownHosts.LookupName(address, port);
            _revoked = entries.Where(e => e.Marker == "@revoked" && KnownHosts.Matches(e.Hosts, name)).ToList();
            _tofu = tofu;
        }
    }

    public string Address { get; }
    public int Port { get; }

    /// <summary>The fingerprints the configuration accepts, for a mismatch message.</summary>
    public IReadOnlyList<HostKeyFingerprint> Expected =>
        _expected.Select(TryFingerprint).OfType<HostKeyFingerprint>().Distinct().ToList();

    /// <summary>The key the endpoint offered last, once the key exchange got that far.</summary>
    public HostKeyFingerprint? Offered { get; private set; }

    /// <summary>Set when the offered key was refused: changed (a key was expected) or unknown.</summary>
    public SshFailureKind? Refusal { get; private set; }

    /// <summary>The key learnt by trust-on-first-use (`type base64`), if any.</summary>
    public string? Learned { get; private set; }

    /// <summary>
    /// Restricts the key exchange to the key types the configuration holds for this endpoint, as
    /// OpenSSH does: otherwise a host with an ed25519 and an ecdsa key could offer the one that is
    /// not listed and be refused although its listed key is right. Certificates are never offered
    /// to: nothing here can check a certificate authority.
    /// </summary>
    public void Restrict(ConnectionInfo info)
    {
        foreach (var name in info.HostKeyAlgorithms.Keys.Where(k => k.Contains("-cert-", StringComparison.Ordinal))
                     .ToList())
            info.HostKeyAlgorithms.Remove(name);
        var types = _expected.Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);
        if (types.Count == 0) return;
        foreach (var name in info.HostKeyAlgorithms.Keys.ToList())
            if (!types.Contains(KeyTypeOf(name))) info.HostKeyAlgorithms.Remove(name);
    }

    /// <summary>The HostKeyReceived handler: trusts the key only when the configuration does.</summary>
    public void Check(object? sender, HostKeyEventArgs e)
    {
        var blob = e.HostKey;
        var type = BlobType(blob) ?? e.HostKeyName;
        Offered = new HostKeyFingerprint(type, HostKeyFingerprint.Sha256(blob));
        var revoked = _revoked.Any(r => SameBlob(r, blob));
        if (!revoked && _expected.Any(x => SameBlob(x, blob)))
        {
            e.CanTrust = true;
            return;
        }
        if (!revoked && _expected.Count == 0 && _tofu)
        {
            Learned = $"{type} {Convert.ToBase64String(blob)}";
            e.CanTrust = true;
            return;
        }
        Refusal = _expected.Count > 0 || revoked ? SshFailureKind.HostKeyChanged : SshFailureKind.HostKeyUnknown;
        e.CanTrust = false;
    }

    /// <summary>Forgets the outcome of an earlier attempt.</summary>
    public void Reset()
    {
        Offered = null;
        Refusal = null;
    }

    private static bool SameBlob(KnownHostEntry entry, byte[] blob)
    {
        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(entry.KeyBase64), blob);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static HostKeyFingerprint? TryFingerprint(KnownHostEntry e)
    {
        try
        {
            return e.Fingerprint;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // rsa-sha2-256/512 are signature algorithms over an `ssh-rsa` key.
    private static string KeyTypeOf(string algorithm) =>
        algorithm is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : algorithm;

    /// <summary>The key type named inside a public key blob (its first SSH string).</summary>
    internal static string? BlobType(byte[] blob)
    {
        if (blob.Length < 4) return null;
        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        if (length <= 0 || length > 64 || 4 + length > blob.Length) return null;
        return Encoding.ASCII.GetString(blob, 4, length);
    }
}
