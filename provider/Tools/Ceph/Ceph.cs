using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// The `ceph` CLI on one host (a monitor host, or any host with a client keyring). Methods mirror
/// subcommands, always ask for `-f json`, and return typed results. Failures are typed: a missing
/// pool or OSD is <see cref="ObjectNotFoundException"/>, an unreachable cluster is
/// <see cref="CephUnreachableException"/>, "not yet" answers of ok-to-stop and safe-to-destroy are
/// results, and anything else is the transport's <see cref="RemoteCommandFailedException"/>.
/// The methods are split by topic: Ceph.Status.cs, Ceph.Osd.cs, Ceph.Pools.cs, Ceph.Mon.cs, Ceph.Config.cs.
/// </summary>
/// <example>
/// <code>
/// var ceph = new Ceph(host);
/// var status = await ceph.StatusAsync(ct);
/// if (!status.Health.IsOk) …
/// await ceph.WaitForPgsActiveCleanAsync(TimeSpan.FromMinutes(10), progress, ct);
/// </code>
/// </example>
public sealed partial class Ceph
{
    internal const string Tool = "ceph";
    private readonly IHost _host;

    public Ceph(IHost host, CephContext? context = null, TimeSpan? commandTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        Context = context ?? CephContext.Default;
        Context.Validate();
        // Monitor commands answer in milliseconds; the bound covers reaching the monitors first.
        CommandTimeout = commandTimeout ?? Context.ConnectTimeout + TimeSpan.FromSeconds(60);
    }

    public RemoteHost Host => RemoteHost.Of(_host);
    public CephContext Context { get; }
    public TimeSpan CommandTimeout { get; }

    /// <summary>The argv for a subcommand: `ceph [context options] &lt;words…&gt; -f json`.</summary>
    public string[] Argv(params string[] command) => [Tool, .. Context.CephOptions(), .. command, "-f", "json"];

    /// <summary>
    /// The argv for a subcommand whose last word is a free value (`config set … VALUE`): `-f json`
    /// goes before the words and `--` before the value, so a value such as "-1" is not read as an
    /// option (checked on Ceph 16.2.15: after `--` only a value starting with "--" is still refused).
    /// </summary>
    public string[] ArgvWithValue(string[] command, string value) =>
        [Tool, .. Context.CephOptions(), "-f", "json", .. command, "--", value];

    /// <summary>
    /// Runs a subcommand and returns its result whatever the exit code, after the checks every call needs.
    /// </summary>
    internal Task<CommandResult> RunAsync(string[] command, CancellationToken ct, byte[]? stdin = null) =>
        RunArgvAsync(Argv(command), ct, stdin);

    private async Task<CommandResult> RunArgvAsync(string[] argv, CancellationToken ct, byte[]? stdin = null)
    {
        var r = await _host.RunAsync(argv, stdin, CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode == 127) throw new ToolMissingException(_host.Name, Tool, "ceph-common");
        CephFailure.ThrowIfUnreachable(r, Tool);
        return r;
    }

    /// <summary>
    /// Runs a subcommand that must succeed; ENOENT becomes <see cref="ObjectNotFoundException"/> for
    /// <paramref name="kind"/> <paramref name="name"/>.
    /// </summary>
    internal async Task<CommandResult> RunCheckedAsync(string[] command, string kind, string name, CancellationToken ct)
    {
        var r = await RunAsync(command, ct).ConfigureAwait(false);
        if (r.ExitCode == 0) return r;
        if (r.ExitCode == CephErrno.ENOENT) throw CephFailure.NotFound(r, Tool, kind, name);
        throw CephFailure.Failed(r);
    }

    /// <summary>Names go to Ceph as single argv words; one starting with '-' would be read as an option.</summary>
    internal static string CheckName(string value, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, what);
        if (!TakesName(value))
            throw new ArgumentException($"{what} {Quoted.Value(value)} must not start with '-' or contain whitespace",
                what);
        return value;
    }

    /// <summary>
    /// True when the Ceph and Rbd clients pass this name (pool, image, section …) to the tools. Every
    /// command of these clients, creates included, refuses other names, and has since they were
    /// written: no object with such a name can have been made by this provider.
    /// </summary>
    public static bool TakesName(string? value) =>
        !string.IsNullOrEmpty(value) && !value.StartsWith('-') && !value.Any(char.IsWhiteSpace)
            && !value.Contains('\0');

    internal static string OsdId(int id) =>
        id >= 0 ? id.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : throw new ArgumentOutOfRangeException(nameof(id), id, "OSD ids are ≥ 0");
}

/// <summary>What a removal found: Ceph's own removals succeed (exit 0) when the object is already gone.</summary>
public enum RemovalOutcome
{
    Removed,
    AlreadyAbsent,
}
