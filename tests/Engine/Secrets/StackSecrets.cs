using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Mvm.EngineHarness.Secrets;

/// <summary>
/// The secrets provider of one harness stack, kept next to its state (`.mvm-engine/&lt;stack&gt;.*`). It works like
/// Pulumi's passphrase provider: with a passphrase (PULUMI_CONFIG_PASSPHRASE, or the content of the file named by
/// PULUMI_CONFIG_PASSPHRASE_FILE) the key is PBKDF2-SHA256(passphrase, per-stack salt, 1,000,000 rounds); the salt
/// is stored in `&lt;stack&gt;.salt` as "v1:&lt;salt&gt;:&lt;"pulumi" encrypted&gt;", so a wrong passphrase is told apart from a
/// damaged value. Without a passphrase, a random 256-bit key is generated into `&lt;stack&gt;.key` (mode 0600).
/// The kind is fixed when the stack first encrypts something (as a Pulumi stack's secrets provider is fixed at
/// init): later runs use whichever file exists. Values are AES-256-GCM, see <see cref="SymmetricCrypter"/>.
/// </summary>
public sealed class StackSecrets : ISecretCrypter
{
    public const string PassphraseVariable = "PULUMI_CONFIG_PASSPHRASE";
    public const string PassphraseFileVariable = "PULUMI_CONFIG_PASSPHRASE_FILE";
    private const int Pbkdf2Rounds = 1_000_000;
    private const int SaltBytes = 8;
    private const string CheckPlaintext = "pulumi";

    // PBKDF2 at 1,000,000 rounds costs about a second; a process derives each (salt, passphrase) key once.
    private static readonly ConcurrentDictionary<string, byte[]> DerivedKeys = new(StringComparer.Ordinal);

    private readonly Func<string?> _passphrase;
    private readonly object _gate = new();
    private SymmetricCrypter? _crypter;

    private StackSecrets(string directory, string stack, Func<string?> passphrase)
    {
        KeyPath = Path.Combine(directory, stack + ".key");
        SaltPath = Path.Combine(directory, stack + ".salt");
        Stack = stack;
        _passphrase = passphrase;
    }

    public string Stack { get; }

    /// <summary>The generated key (no passphrase): base64 of 32 random bytes, mode 0600.</summary>
    public string KeyPath { get; }

    /// <summary>The passphrase stack's salt and check value (not secret by itself).</summary>
    public string SaltPath { get; }

    /// <summary>
    /// The secrets of stack <paramref name="stack"/> whose state lives in <paramref name="stateDirectory"/>.
    /// <paramref name="passphrase"/> overrides the environment (null = read the environment when needed; "" = none).
    /// </summary>
    public static StackSecrets For(string stateDirectory, string stack, string? passphrase = null)
        => new(Path.GetFullPath(stateDirectory), stack, passphrase is null ? PassphraseFromEnvironment : () => passphrase.Length > 0 ? passphrase : null);

    /// <summary>The secrets of the stack whose state file is <paramref name="statePath"/> (`DIR/&lt;stack&gt;.json`).</summary>
    public static StackSecrets ForStatePath(string statePath, string? passphrase = null)
        => For(Path.GetDirectoryName(Path.GetFullPath(statePath))!, Path.GetFileNameWithoutExtension(statePath), passphrase);

    /// <summary>The passphrase from the environment; null when none is set (an empty one counts as none).</summary>
    public static string? PassphraseFromEnvironment()
    {
        var phrase = Environment.GetEnvironmentVariable(PassphraseVariable);
        if (string.IsNullOrEmpty(phrase) && Environment.GetEnvironmentVariable(PassphraseFileVariable) is { Length: > 0 } file)
            phrase = File.ReadAllText(file);
        return string.IsNullOrEmpty(phrase) ? null : phrase;
    }

    public string Encrypt(string plaintext) => Crypter(create: true).Encrypt(plaintext);

    public string Decrypt(string ciphertext)
    {
        var crypter = Crypter(create: false);
        try
        {
            return crypter.Decrypt(ciphertext);
        }
        catch (SecretDecryptionException e)
        {
            throw new SecretDecryptionException($"stack {Stack}: {e.Message} ({Describe()})");
        }
    }

    private string Describe() => File.Exists(SaltPath)
        ? $"passphrase stack, salt in {SaltPath}"
        : $"key file {KeyPath}";

    private SymmetricCrypter Crypter(bool create)
    {
        lock (_gate)
            return _crypter ??= Open() ?? (create ? Create() : throw NoKey());
    }

    private SecretDecryptionException NoKey() => new(
        $"stack {Stack} holds encrypted secrets but neither its key file {KeyPath} nor its passphrase salt {SaltPath} exists");

    /// <summary>The existing provider of the stack, or null if it has none yet.</summary>
    private SymmetricCrypter? Open()
    {
        if (File.Exists(SaltPath))
            return FromSalt(File.ReadAllText(SaltPath).Trim());
        if (File.Exists(KeyPath))
            return FromKeyFile();
        return null;
    }

    private SymmetricCrypter Create()
    {
        if (_passphrase() is { } phrase)
        {
            var salt = RandomNumberGenerator.GetBytes(SaltBytes);
            var check = new SymmetricCrypter(Derive(phrase, salt)).Encrypt(CheckPlaintext);
            PrivateFile.TryCreateNew(SaltPath, $"v1:{Convert.ToBase64String(salt)}:{check}\n");
        }
        else
        {
            PrivateFile.TryCreateNew(KeyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(SymmetricCrypter.KeyBytes)) + "\n");
        }
        // Whatever won a race to create the stack's provider is what everyone uses.
        return Open() ?? throw NoKey();
    }

    private SymmetricCrypter FromKeyFile()
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(File.ReadAllText(KeyPath).Trim());
        }
        catch (FormatException)
        {
            throw new SecretDecryptionException($"stack {Stack}: the key file {KeyPath} is not base64");
        }
        if (key.Length != SymmetricCrypter.KeyBytes)
            throw new SecretDecryptionException($"stack {Stack}: the key file {KeyPath} does not hold a {SymmetricCrypter.KeyBytes}-byte key");
        return new SymmetricCrypter(key);
    }

    private SymmetricCrypter FromSalt(string saltLine)
    {
        // "v1:<salt>:v1:<nonce>:<ciphertext>", Pulumi's `encryptionsalt` form.
        var parts = saltLine.Split(':', 3);
        byte[] salt;
        try
        {
            salt = parts.Length == 3 && parts[0] == "v1" ? Convert.FromBase64String(parts[1]) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new SecretDecryptionException($"stack {Stack}: the salt file {SaltPath} is not of the form v1:<salt>:<check>");
        }
        var phrase = _passphrase() ?? throw new SecretDecryptionException(
            $"stack {Stack} encrypts its secrets with a passphrase: set {PassphraseVariable} (or {PassphraseFileVariable})");
        var crypter = new SymmetricCrypter(Derive(phrase, salt));
        try
        {
            if (crypter.Decrypt(parts[2]) == CheckPlaintext)
                return crypter;
        }
        catch (SecretDecryptionException)
        {
        }
        throw new SecretDecryptionException(
            $"incorrect passphrase for stack {Stack}: set {PassphraseVariable} (or {PassphraseFileVariable}) to the passphrase its secrets were encrypted with");
    }

    private static byte[] Derive(string phrase, byte[] salt)
    {
        var id = Convert.ToBase64String(salt) + ":" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(phrase)));
        return DerivedKeys.GetOrAdd(id, _ => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(phrase), salt, Pbkdf2Rounds, HashAlgorithmName.SHA256, SymmetricCrypter.KeyBytes));
    }
}
