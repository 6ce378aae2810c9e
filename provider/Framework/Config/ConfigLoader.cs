using Mvm.Core;
using Mvm.Protocol;

namespace Mvm.Framework.Config;

/// <summary>
/// Reads provider configuration from engine values (strings for stack config, typed values for
/// explicit providers) with MVM_* environment fallbacks, and validates it with per-key messages.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Keys the engine adds that are not configuration.</summary>
    private static readonly HashSet<string> EngineKeys = new(StringComparer.Ordinal) { "version", "pluginDownloadURL" };

    public static (ProviderConfig Config, IReadOnlyList<CheckFailureInfo> Failures) Load(ObjectProperty values,
        Func<string, string?> env)
    {
        var merged = values;
        foreach (var key in EngineKeys) merged = merged.Without(key);
        foreach (var prop in ObjectModel.Of(typeof(ProviderConfig)).Inputs)
        {
            if (merged[prop.WireName] is { IsNull: false }) continue;
            if (prop.Input!.Env is { } name && env(name) is { Length: > 0 } fromEnv)
                merged = merged.With(prop.WireName,
                    prop.IsSecret ? PropertyValue.Secret(PropertyValue.Of(fromEnv)) : PropertyValue.Of(fromEnv));
        }
        var report = new MappingReport();
        var config = PropertyMapper.Decode<ProviderConfig>(InputNormalizer.Normalize(typeof(ProviderConfig), merged),
            report,
            PropertyMapper.Strict with { LenientStrings = true });
        Validate(config, report, env);
        return (config, report.Failures.DistinctBy(f => (f.Property, f.Reason)).ToList());
    }

    /// <summary>
    /// Configuration with nothing set: what preview uses when the engine could not configure (unknown values).
    /// </summary>
    public static ProviderConfig Defaults(Func<string, string?> env) => Load(ObjectProperty.Empty, env).Config;

    /// <summary>
    /// True when no way to authenticate is configured at provider level. An agent counts when
    /// configured, or (unset) when SSH_AUTH_SOCK is there, as the transport decides.
    /// </summary>
    public static bool LacksCredentials(ProviderConfig c, Func<string, string?> env) =>
        string.IsNullOrEmpty(c.SshPrivateKey) && string.IsNullOrEmpty(c.SshPrivateKeyFile) &&
        string.IsNullOrEmpty(c.SshPassword) && !(c.SshAgent ?? !string.IsNullOrEmpty(env("SSH_AUTH_SOCK")));

    private static void Validate(ProviderConfig c, MappingReport report, Func<string, string?> env)
    {
        // The same checks as a host entry's SSH overrides, so both say the same thing about the same mistake.
        var ctx = new CheckContext("provider", report);
        SshChecks.CheckPort(ctx, "sshPort", c.SshPort);
        SshChecks.CheckUser(ctx, "sshUser", c.SshUser);
        SshChecks.CheckPrivateKey(ctx, "sshPrivateKey", c.SshPrivateKey);
        SshChecks.CheckPassword(ctx, "sshPassword", c.SshPassword);
        SshChecks.CheckJumpHosts(ctx, "jumpHosts", c.JumpHosts);
        foreach (var (host, hostKey) in c.HostKeys ?? [])
            SshChecks.CheckHostKey(ctx, PropertyPath.Key("hostKeys", host), hostKey);
        if (c.SshPrivateKeyFile is { } file && !File.Exists(file))
            report.Fail("sshPrivateKeyFile", $"file {Quoted.Value(file)} does not exist on this machine");
        if (c.KnownHostsFile is { } knownFile && !File.Exists(knownFile))
            report.Fail("knownHostsFile", $"file {Quoted.Value(knownFile)} does not exist on this machine");
        if (c.SshAgent == true && string.IsNullOrEmpty(env("SSH_AUTH_SOCK")))
            report.Fail("sshAgent",
                "is true but SSH_AUTH_SOCK is not set: start an ssh-agent or set sshPrivateKey/sshPassword");
        if (c.KnownHosts is { } known)
        {
            var lines = known.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var offset = fields.Length > 0 && fields[0].StartsWith('@') ? 1 : 0;
                if (fields.Length < offset + 3 || !SshChecks.IsPublicKey(fields[offset + 1], fields[offset + 2]))
                    report.Fail("knownHosts",
                        $"line {i + 1} is not a known_hosts entry: expected \"<hosts> <key-type> <base64-key>\"");
            }
        }
        foreach (var (name, value) in new[] { ("connectTimeout", c.ConnectTimeout), ("createTimeout", c.CreateTimeout),
                     ("updateTimeout", c.UpdateTimeout), ("deleteTimeout", c.DeleteTimeout),
                         ("readTimeout", c.ReadTimeout),
                     ("cephHealthTimeout", c.CephHealthTimeout) })
            if (value is not null && !Durations.TryParse(value, out _))
                report.Fail(name, $"{Quoted.Value(value)} is not a duration: use e.g. 90s, 5m, 1h30m");
    }
}
