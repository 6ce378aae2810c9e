using System.Security.Cryptography;
using System.Text;

namespace Mvm.EngineHarness.Secrets;

/// <summary>Encrypts and decrypts one secret value: ciphertext text in, plaintext text out.</summary>
public interface ISecretCrypter
{
    string Encrypt(string plaintext);

    string Decrypt(string ciphertext);
}

/// <summary>
/// AES-256-GCM with a fresh 12-byte nonce per value, written as Pulumi's passphrase and key-based secrets
/// providers write theirs: "v1:&lt;base64 nonce&gt;:&lt;base64 ciphertext and 16-byte tag&gt;".
/// </summary>
public sealed class SymmetricCrypter : ISecretCrypter
{
    public const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const string Version = "v1";

    private readonly byte[] _key;

    public SymmetricCrypter(byte[] key)
    {
        if (key.Length != KeyBytes)
            throw new ArgumentException($"AES-256-GCM needs a {KeyBytes}-byte key, got {key.Length}", nameof(key));
        _key = key;
    }

    public string Encrypt(string plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[plain.Length + TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length));
        return $"{Version}:{Convert.ToBase64String(nonce)}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <summary>Throws <see cref="SecretDecryptionException"/> for a malformed value or one sealed with another key.</summary>
    public string Decrypt(string ciphertext)
    {
        var parts = ciphertext.Split(':');
        if (parts.Length != 3 || parts[0] != Version)
            throw new SecretDecryptionException("a secret value is not of the form v1:<nonce>:<ciphertext>");
        byte[] nonce, sealedBytes;
        try
        {
            nonce = Convert.FromBase64String(parts[1]);
            sealedBytes = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new SecretDecryptionException("a secret value is not valid base64");
        }
        if (nonce.Length != NonceBytes || sealedBytes.Length < TagBytes)
            throw new SecretDecryptionException("a secret value is truncated");
        var plain = new byte[sealedBytes.Length - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(nonce, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretDecryptionException("a secret value does not decrypt with this stack's key");
        }
        return Encoding.UTF8.GetString(plain);
    }
}

/// <summary>A secret could not be decrypted: wrong passphrase or key, or a damaged value. Never holds the value.</summary>
public sealed class SecretDecryptionException(string message) : Exception(message);
