using System.Text;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>Whether a change applies to the running domain, to its persistent definition, or both.</summary>
[Flags]
public enum ChangeScope
{
    /// <summary>`--live`: the running domain only; lost at the next cold boot.</summary>
    Live = 1,

    /// <summary>`--config`: the persistent definition only; takes effect at the next cold boot.</summary>
    Config = 2,

    LiveAndConfig = Live | Config,
}

/// <summary>
/// The typed client for `virsh` on one host: methods mirror virsh subcommands, build an argv
/// (never a shell string), send XML and secret values on stdin (never on argv, where `ps` on the
/// host would show them), parse virsh's output into records, and map failures to
/// <see cref="ObjectNotFoundException"/> / <see cref="ToolMissingException"/> or the transport's
/// <see cref="RemoteCommandFailedException"/> with the command, exit code and stderr.
/// Domains here: <see cref="DefineAsync(DomainXml, bool, CancellationToken)"/> and friends; networks, pools and
/// secrets in the other parts of this class.
/// </summary>
public sealed partial class Virsh
{
    /// <summary>The system libvirt daemon, where the provider's domains live.</summary>
    public const string SystemUri = "qemu:///system";

    /// <summary>
    /// Prepended to every command. LC_ALL=C because virsh's messages are translated
    /// (libvirt-l10n comes with it) and the parsers and error mapping read the English ones; `-c`
    /// because without it the connection depends on LIBVIRT_DEFAULT_URI and on who logs in
    /// (a non-root user would get its own empty qemu:///session).
    /// </summary>
    internal static readonly string[] Prefix = ["env", "LC_ALL=C", "virsh", "-c", SystemUri];

    /// <summary>
    /// virsh reads XML and secret values from its stdin through this path (libvirt 9.0 accepts it for --file).
    /// </summary>
    internal const string Stdin = "/dev/stdin";

    private readonly IHost _host;
    private readonly TimeSpan _timeout;

    /// <param name="host">Where virsh runs.</param>
    /// <param name="timeout">Limit for one virsh command (migration takes its own); default one minute.</param>
    public Virsh(IHost host, TimeSpan? timeout = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _timeout = timeout ?? TimeSpan.FromMinutes(1);
    }

    public IHost Host => _host;

    /// <summary>How often <see cref="ShutdownAsync"/> looks at the domain's state while it waits.</summary>
    internal TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often <see cref="ShutdownAsync"/> asks the guest again while it waits: a request that
    /// arrives before the guest can act on it (still booting, with no agent and nothing handling the
    /// ACPI power button yet) is dropped, not queued.
    /// </summary>
    internal TimeSpan ShutdownRepeat { get; init; } = TimeSpan.FromSeconds(10);

    private Task<CommandResult> RunRawAsync(IReadOnlyList<string> args, byte[]? stdin, TimeSpan? timeout,
        CancellationToken ct) =>
        _host.RunAsync([.. Prefix, .. args], stdin, timeout ?? _timeout, ct);

    /// <summary>Runs and throws the mapped exception on failure.</summary>
    private async Task<CommandResult> RunAsync(IReadOnlyList<string> args, VirshObject? target, CancellationToken ct,
        byte[]? stdin = null, VirshObject? device = null, TimeSpan? timeout = null)
    {
        var result = await RunRawAsync(args, stdin, timeout, ct).ConfigureAwait(false);
        if (result.ExitCode != 0) VirshErrors.Throw(_host.Name, result, target, device);
        return result;
    }

    /// <summary>
    /// Runs, treating a failure that says <paramref name="benign"/> as "nothing to do" (returns
    /// false). The phrases are libvirt's exact wording, with the object's name where libvirt
    /// prints it, so an unrelated error (a domain whose *network* "is not active") is not mistaken for one.
    /// </summary>
    private async Task<bool> RunUnlessAsync(IReadOnlyList<string> args, VirshObject target, string benign,
        CancellationToken ct)
    {
        var result = await RunRawAsync(args, null, null, ct).ConfigureAwait(false);
        if (result.ExitCode == 0) return true;
        if (VirshErrors.Says(result, benign)) return false;
        VirshErrors.Throw(_host.Name, result, target);
        return false;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string[] Scope(ChangeScope scope) => scope switch
    {
        ChangeScope.Live => ["--live"],
        ChangeScope.Config => ["--config"],
        ChangeScope.LiveAndConfig => ["--live", "--config"],
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "choose Live, Config or both"),
    };
}
