using System.Security.Cryptography;

namespace Mvm.Transport;

/// <summary>
/// An SSH public key's SHA256 fingerprint in OpenSSH's notation (`SHA256:` + unpadded base64 of
/// the SHA-256 of the key blob), computed here so messages never depend on ssh-keygen.
/// </summary>
public sealed record HostKeyFingerprint(string KeyType, string Fingerprint)
{
    /// <summary>
    /// From a public key line: `ssh-ed25519 AAAA… [comment]` (known_hosts host fields already removed).
    /// </summary>
    public static HostKeyFingerprint FromPublicKey(string publicKey)
    {
        var parts = publicKey.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new
            FormatException($"not an SSH public key (expected `type base64`): {PosixQuote.Display(publicKey)}");
        return FromBlob(parts[0], parts[1]);
    }

    public static HostKeyFingerprint FromBlob(string keyType, string base64Blob)
    {
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(base64Blob);
        }
        catch (FormatException)
        {
            throw new FormatException($"the {keyType} key is not valid base64");
        }
        return new HostKeyFingerprint(keyType, Sha256(blob));
    }

    public static string Sha256(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    public override string ToString() => $"{Fingerprint} ({KeyType})";
}
