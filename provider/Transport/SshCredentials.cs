using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;

namespace Mvm.Transport;

/// <summary>
/// The ways one endpoint of a chain logs in, in the order they are tried: the configured key
/// (OpenSSH, PEM/PKCS#8 or PuTTY; ed25519, rsa, ecdsa; with its passphrase), the agent's keys,
/// then the password, answered to `password` and to keyboard-interactive password prompts. Keys
/// are read from memory: no copy of one is ever written to disk.
/// </summary>
internal sealed class SshCredentials : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <param name="owner">Who the key is for, in messages (`h1`, `jump host 10.0.0.1`).</param>
    public SshCredentials(string user, string? keyText, string? keyFile, string? passphrase, string? password,
        string? agentSocket, bool useAgent, string owner)
    {
        User = user;
        var sources = new List<IPrivateKeySource>();
        if (keyText is not null || keyFile is not null)
        {
            var key = new LazyKey(() => ReadKey(keyText, keyFile, passphrase, owner));
            sources.Add(key);
            _owned.Add(key);
        }
        if (useAgent && (agentSocket ?? Environment.GetEnvironmentVariable("SSH_AUTH_SOCK")) is { Length: > 0 } socket)
            sources.Add(new SshAgentKeys(socket));
        var methods = new List<AuthenticationMethod>();
        if (sources.Count > 0) methods.Add(new PrivateKeyAuthenticationMethod(user, [.. sources]));
        if (password is not null)
        {
            methods.Add(new PasswordAuthenticationMethod(user, password));
            var interactive = new KeyboardInteractiveAuthenticationMethod(user);
            interactive.AuthenticationPrompt += (_, e) => Answer(e, password);
            methods.Add(interactive);
        }
        // With nothing configured the server still learns the user and says which methods it takes.
        if (methods.Count == 0) methods.Add(new NoneAuthenticationMethod(user));
        _owned.AddRange(methods);
        Methods = methods;
    }

    public string User { get; }
    public IReadOnlyList<AuthenticationMethod> Methods { get; }

    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
    }

    // Only a prompt that asks for a password gets it; anything else (a one-time code) gets an
    // empty answer, so the password never goes to a prompt that did not ask for it.
    internal static void Answer(AuthenticationPromptEventArgs e, string password)
    {
        foreach (var p in e.Prompts)
            p.Response = p.Request.Contains("password", StringComparison.OrdinalIgnoreCase) ? password : "";
    }

    /// <summary>
    /// Reads the key when authentication first needs it: a host that cannot be reached says so,
    /// whatever its key; a key that cannot be used fails the login with an ArgumentException.
    /// </summary>
    private sealed class LazyKey(Func<PrivateKeyFile> read) : IPrivateKeySource, IDisposable
    {
        private readonly Lazy<PrivateKeyFile> _key = new(read, LazyThreadSafetyMode.ExecutionAndPublication);

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms => _key.Value.HostKeyAlgorithms;

        public void Dispose()
        {
            if (_key.IsValueCreated) _key.Value.Dispose();
        }
    }

    internal static PrivateKeyFile ReadKey(string? text, string? file, string? passphrase, string owner)
    {
        if (text is null && file is not null)
        {
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"the private key file {file} for {owner} cannot be read: {e.Message}");
            }
        }
        ArgumentNullException.ThrowIfNull(text);
        // Pasted keys arrive with CRLF line ends or surrounding blanks; the parsers want neither.
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim() + "\n";
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text), writable: false);
        try
        {
            return new PrivateKeyFile(stream, string.IsNullOrEmpty(passphrase) ? null : passphrase);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            throw new ArgumentException($"the private key for {owner} is encrypted and no passphrase is configured");
        }
        catch (Exception e) when (e is SshException or FormatException or ArgumentException
                                      or System.Security.Cryptography.CryptographicException
                                      or NotSupportedException or InvalidOperationException)
        {
            // The library's message names the format problem, never the key's content.
            throw new ArgumentException($"the private key for {owner} cannot be used: {e.Message} " +
                "(expected an OpenSSH, PEM or PKCS#8 private key; a wrong passphrase also shows here)");
        }
    }
}
