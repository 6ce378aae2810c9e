using System.Text.RegularExpressions;
using Mvm.Core;

namespace Mvm.Transport;

/// <summary>
/// Turns the provider-wide SSH settings plus one host's own into an <see cref="SshTarget"/>.
/// A value set on the host wins over the provider's; unset values fall back to the provider's,
/// then to the defaults (root, port 22, sudo when the user is not root, agent when
/// SSH_AUTH_SOCK is set, 15 s connect timeout).
/// </summary>
public static partial class SshTargetResolver
{
    /// <param name="name">Display name for messages; defaults to the address.</param>
    /// <param name="environment">Environment lookup (for SSH_AUTH_SOCK); the process environment when null.</param>
    public static SshTarget Resolve(SshDefaults defaults, SshHostSettings host, string? name = null,
        Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(host);
        environment ??= Environment.GetEnvironmentVariable;
        var address = host.Address?.Trim();
        var display = string.IsNullOrWhiteSpace(name) ? address ?? "?" : name;
        if (string.IsNullOrEmpty(address)) throw Invalid(display, "address", "is required");
        ValidateAddress(display, "address", address);

        var port = host.Port ?? defaults.Port ?? 22;
        ValidatePort(display, "sshPort", port);
        var user = NonEmpty(host.User) ?? NonEmpty(defaults.User) ?? "root";
        ValidateUser(display, "sshUser", user);

        // Key text on the host beats everything; otherwise the provider's key text, then its key file.
        var hostKeyText = NonEmpty(host.PrivateKey);
        var key = hostKeyText ?? NonEmpty(defaults.PrivateKey);
        var keyFile = key is null ? NonEmpty(defaults.PrivateKeyFile) : null;
        var password = NonEmpty(host.Password) ?? NonEmpty(defaults.Password);
        var agentSocket = NonEmpty(environment("SSH_AUTH_SOCK"));
        var agent = defaults.UseAgent ?? agentSocket is not null;

        // A pin is a requirement, wherever it is set (the host's own hostKey, which overrides, or
        // a provider hostKeys entry): a pinned host must show a pinned key, and known_hosts or
        // trust-on-first-use cannot vouch for another one. Otherwise a correct known_hosts line
        // would quietly outvote a wrong pin, and the pin would check nothing.
        var pinned = NonEmpty(host.HostKey) is { } own ? [own] : ProviderPins(defaults, address, name).ToList();
        foreach (var k in pinned) ValidatePublicKey(display, "hostKey", k);

        var connectTimeout = TimeSpan.FromSeconds(15);
        if (NonEmpty(defaults.ConnectTimeout) is { } ct)
        {
            if (!Durations.TryParse(ct, out connectTimeout) || connectTimeout <= TimeSpan.Zero)
                throw Invalid(display, "connectTimeout", $"`{ct}` is not a positive duration such as `15s` or `1m`");
        }

        var jumps = new List<SshHop>();
        var jumpSource = host.JumpHosts ?? defaults.JumpHosts;
        foreach (var (j, i) in (jumpSource ?? []).Select((j, i) => (j, i)))
        {
            if (j is null) continue;
            var what = $"jumpHosts[{i}]";
            var hopAddress = j.Address?.Trim();
            if (string.IsNullOrEmpty(hopAddress)) throw Invalid(display, what + ".address", "is required");
            ValidateAddress(display, what + ".address", hopAddress);
            var hopPort = j.Port ?? 22;
            ValidatePort(display, what + ".port", hopPort);
            var hopUser = NonEmpty(j.User) ?? NonEmpty(defaults.User) ?? "root";
            ValidateUser(display, what + ".user", hopUser);
            var hopKey = NonEmpty(j.PrivateKey) ?? NonEmpty(defaults.PrivateKey);
            var hopPins = NonEmpty(j.HostKey) is { } hk ? [hk] : ProviderPins(defaults, hopAddress, null).ToList();
            foreach (var k in hopPins) ValidatePublicKey(display, what + ".hostKey", k);
            jumps.Add(new SshHop
            {
                Address = hopAddress,
                Port = hopPort,
                User = hopUser,
                PrivateKey = hopKey,
                PrivateKeyFile = hopKey is null ? NonEmpty(defaults.PrivateKeyFile) : null,
                // The provider's passphrase belongs to the provider's key, not to a hop's own.
                PrivateKeyPassphrase = NonEmpty(j.PrivateKey) is null ? NonEmpty(defaults.PrivateKeyPassphrase) : null,
                PinnedHostKeys = hopPins,
            });
        }

        return new SshTarget
        {
            Name = display,
            Address = address,
            Port = port,
            User = user,
            PrivateKey = key,
            PrivateKeyFile = keyFile,
            PrivateKeyPassphrase = hostKeyText is null ? NonEmpty(defaults.PrivateKeyPassphrase) : null,
            Password = password,
            UseAgent = agent,
            AgentSocket = agent ? agentSocket : null,
            KnownHosts = NonEmpty(defaults.KnownHosts),
            KnownHostsFile = NonEmpty(defaults.KnownHostsFile),
            PinnedHostKeys = pinned,
            TrustOnFirstUse = defaults.TrustOnFirstUse ?? false,
            JumpHosts = jumps,
            Sudo = host.Sudo ?? defaults.Sudo ?? user != "root",
            ConnectTimeout = connectTimeout,
        };
    }

    private static IEnumerable<string> ProviderPins(SshDefaults defaults, string address, string? name)
    {
        if (defaults.HostKeys is null) yield break;
        foreach (var (k, v) in defaults.HostKeys)
        {
            if (string.IsNullOrWhiteSpace(v)) continue;
            if (string.Equals(k, address, StringComparison.OrdinalIgnoreCase)
                || (name is not null && string.Equals(k, name, StringComparison.Ordinal)))
                yield return v.Trim();
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    // Only plain names pass: these values appear in messages and known_hosts lookups, and a
    // leading '-' or whitespace has no business in a host or user name.
    internal static void ValidateAddress(string host, string field, string address)
    {
        if (!AddressPattern().IsWholeMatch(address))
            throw Invalid(host, field, $"`{PosixQuote.Display(address)}` is not a host name or IP address");
    }

    internal static void ValidateUser(string host, string field, string user)
    {
        if (!UserPattern().IsWholeMatch(user))
            throw Invalid(host, field, $"`{PosixQuote.Display(user)}` is not a valid login name");
    }

    internal static void ValidatePort(string host, string field, int port)
    {
        if (port is < 1 or > 65535) throw Invalid(host, field, $"{port} is not a TCP port (1-65535)");
    }

    private static void ValidatePublicKey(string host, string field, string key)
    {
        try
        {
            HostKeyFingerprint.FromPublicKey(key);
        }
        catch (FormatException e)
        {
            throw Invalid(host, field,
                e.Message
                + "; expected e.g. `ssh-ed25519 AAAAC3Nza…` (the content of /etc/ssh/ssh_host_ed25519_key.pub)");
        }
    }

    private static ArgumentException Invalid(string host, string field, string problem) =>
        new($"SSH setting {field} of host {host} {problem}");

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9._:-]*\z")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}\z")]
    private static partial Regex UserPattern();
}
