namespace Mvm.Transport;

/// <summary>Where one host's private files live inside the transport's 0700 directory.</summary>
internal sealed record SshHostFiles(string Directory)
{
    public const string TargetAlias = "mvm-target";
    public static string HopAlias(int hop) => $"mvm-hop-{hop}";

    public string Config => Path.Combine(Directory, "ssh_config");
    public string ControlSocket => Path.Combine(Directory, "ctl");
    /// <summary>Host keys from knownHosts, knownHostsFile and non-exclusive pins.</summary>
    public string KnownHosts => Path.Combine(Directory, "known_hosts");
    /// <summary>Where trust-on-first-use records what it learnt.</summary>
    public string Learned => Path.Combine(Directory, "learned_hosts");
    /// <summary>Scratch file used to read the key an unknown host offers.</summary>
    public string Offered => Path.Combine(Directory, "offered_hosts");

    /// <summary>Private key for the target (hop = -1) or jump host <paramref name="hop"/>.</summary>
    public string Key(int hop) => Path.Combine(Directory, hop < 0 ? "id_target" : $"id_hop{hop}");
    /// <summary>Exclusive pinned keys for the target (hop = -1) or a jump host.</summary>
    public string Pinned(int hop) => Path.Combine(Directory, hop < 0 ? "pinned_target" : $"pinned_hop{hop}");
    /// <summary>stderr of the ssh that connects to jump host <paramref name="hop"/>.</summary>
    public string HopLog(int hop) => Path.Combine(Directory, $"hop{hop}.log");
}
