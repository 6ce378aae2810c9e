using System.Text;
using Mvm.Core;
using Mvm.Tools;

namespace Mvm.Cluster;

/// <summary>
/// The SSH trust live migration needs between a cluster's hosts: `virsh migrate` on the source
/// connects to the destination's libvirtd over `qemu+ssh://root@…`, so root on every member holds
/// a migration key (made on the host; the private half never leaves it), every member's root
/// accepts the others' keys, and every member knows the others' host keys. The host keys are read
/// through the provider's own verified connections, never scanned, so host keys stay verified
/// between hosts too. Lines the provider writes carry a marker per cluster and host, which is how
/// a leaving host's lines are found again; lines anyone else wrote are left alone.
/// </summary>
public static class MigrationTrust
{
    public const string KeyDirectory = "/etc/mvm/migration";
    public const string KeyFile = KeyDirectory + "/id_ed25519";
    public const string AuthorizedKeys = "/root/.ssh/authorized_keys";
    /// <summary>The system-wide known hosts file: read by root's ssh whatever starts it (virsh or libvirtd).</summary>
    public const string KnownHosts = "/etc/ssh/ssh_known_hosts";
    private static readonly TimeSpan T = TimeSpan.FromMinutes(1);

    /// <summary>One member's side of the trust: how peers reach its sshd and the keys it offers.</summary>
    public sealed record Peer(string Name, string Address, int Port, string MigrationKey,
        IReadOnlyList<string> HostKeys);

    /// <summary>
    /// The marker ending every line written for <paramref name="host"/> of <paramref name="cluster"/>.
    /// </summary>
    public static string Marker(string cluster, string host) => $"mvm-migration@{cluster}:{host}";

    /// <summary>The URI the source's virsh uses to reach <paramref name="target"/>'s libvirtd.</summary>
    public static string DestinationUri(MemberHost target) =>
        LibvirtUri.QemuSsh(target.Address!, "root", target.SshPort is { } p and not 22 ? p : null, KeyFile);

    /// <summary>
    /// Gives every member of <paramref name="members"/> (name → connection) the keys and host keys
    /// of all the others. Idempotent: a file is written only when its managed lines differ.
    /// </summary>
    public static async Task EnsureAsync(ClusterInfo info, IReadOnlyList<(MemberHost Spec, RemoteHost Host)> members,
        IOperationSteps ctx)
    {
        if (members.Count < 2) return;
        // A member that cannot be reached keeps what it had: the others still trust each other,
        // and the next update (or a drain, which checks its own pair first) tries it again.
        var read = await Task.WhenAll(members.Select(async m =>
        {
            try
            {
                return await ctx.StepAsync("prepare migration key", m.Spec.Name,
                    ct => ReadPeerAsync(m.Spec, m.Host, ct)).ConfigureAwait(false);
            }
            catch (StepFailedException e)
            {
                await ctx.WarningAsync($"{m.Spec.Name}: migration trust not set up: {e.Message.Split('\n')[0]}")
                    .ConfigureAwait(false);
                return null;
            }
        })).ConfigureAwait(false);
        var peers = read.Where(p => p is not null).Select(p => p!).ToList();
        await Task.WhenAll(members.Where(m => peers.Any(p => p.Name == m.Spec.Name))
            .Select(m => ctx.StepAsync("trust cluster hosts for migration", m.Spec.Name, async ct =>
        {
            var others = peers.Where(p => !string.Equals(p.Name, m.Spec.Name, StringComparison.OrdinalIgnoreCase))
                .ToList();
            await ReplaceManagedLinesAsync(m.Host, AuthorizedKeys, "0600", info.Name,
                others.Select(p => (p.Name, AuthorizedLine(info.Name, p))), ct).ConfigureAwait(false);
            await ReplaceManagedLinesAsync(m.Host, KnownHosts, "0644", info.Name,
                others.Select(p => (p.Name, KnownHostLines(info.Name, p))), ct).ConfigureAwait(false);
        }))).ConfigureAwait(false);
    }

    /// <summary>Takes a leaving host's key and host keys off the remaining members.</summary>
    public static Task ForgetAsync(ClusterInfo info, string leaving,
        IReadOnlyList<(MemberHost Spec, RemoteHost Host)> remaining, IOperationSteps ctx) =>
        Task.WhenAll(remaining.Select(m => ctx.StepAsync("forget migration trust", m.Spec.Name, async ct =>
        {
            foreach (var file in new[] { AuthorizedKeys, KnownHosts })
                await EditAsync(m.Host, file, file == KnownHosts ? "0644" : "0600",
                    lines => lines.Where(l => !l.EndsWith(" " + Marker(info.Name, leaving), StringComparison.Ordinal))
                        .ToList(), ct).ConfigureAwait(false);
        })));

    /// <summary>
    /// Removes everything this cluster wrote on a host that leaves it: its key and its lines about the others.
    /// </summary>
    public static async Task RemoveFromHostAsync(RemoteHost host, string cluster, CancellationToken ct)
    {
        var prefix = " mvm-migration@" + cluster + ":";
        foreach (var file in new[] { AuthorizedKeys, KnownHosts })
            await EditAsync(host, file, file == KnownHosts ? "0644" : "0600",
                lines => lines.Where(l => !l.Contains(prefix, StringComparison.Ordinal)).ToList(), ct)
                .ConfigureAwait(false);
        await HostFiles.RemoveTree(KeyDirectory).RunAsync(host, T, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the source's ssh, as libvirt will, whether it reaches root on the target: a clear
    /// error before a migration beats libvirt's "Cannot recv data".
    /// </summary>
    public static async Task ProbeAsync(RemoteHost source, string sourceName, MemberHost target, CancellationToken ct)
    {
        var error = await OpenSshCalls.Probe(KeyFile, "root", target.Address!,
            target.SshPort is { } p and not 22 ? p : null)
            .RunAsync(source, T, ct).ConfigureAwait(false);
        if (error is not null)
            throw new ProviderException($"root on {sourceName} cannot reach root@{target.Address} ({target.Name}) " +
                $"over SSH for live migration: {error}. " +
                "The provider sets this trust up when hosts join (key in " + KeyDirectory +
                    ", the peers' host keys in " + KnownHosts + "); " +
                $"check that sshd on {target.Name} accepts root logins by key (PermitRootLogin prohibit-password) " +
                    $"and that {sourceName} reaches {target.Address}.");
    }

    public static string AuthorizedLine(string cluster, Peer p) =>
        // restrict: the key only runs libvirt's remote helper, no forwarding or terminal.
        $"restrict {KeyOf(p.MigrationKey)} {Marker(cluster, p.Name)}";

    public static IEnumerable<string> KnownHostLines(string cluster, Peer p)
    {
        var where = p.Port == 22 ? p.Address : $"[{p.Address}]:{p.Port}";
        return p.HostKeys.Select(k => $"{where} {KeyOf(k)} {Marker(cluster, p.Name)}");
    }

    /// <summary>`type blob` of an OpenSSH public key line, without its comment.</summary>
    public static string KeyOf(string publicKeyLine)
    {
        var words = publicKeyLine.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || !(words[0].StartsWith("ssh-", StringComparison.Ordinal) ||
            words[0].StartsWith("ecdsa-", StringComparison.Ordinal)))
            throw new FormatException($"'{publicKeyLine.Trim()}' is not an OpenSSH public key");
        return words[0] + " " + words[1];
    }

    /// <summary>
    /// The file's lines with this cluster's managed lines for the hosts in <paramref name="wanted"/>
    /// replaced by theirs (in the given order). Lines of other hosts of the cluster stay: a pair of
    /// hosts set up for one migration must not undo the trust among the rest (a host that left is
    /// taken off by <see cref="ForgetAsync"/>). Everything else keeps its place.
    /// </summary>
    public static List<string> Replace(IReadOnlyList<string> lines, string cluster,
        IEnumerable<(string Host, IEnumerable<string> Lines)> wanted)
    {
        var list = wanted.ToList();
        var markers = list.Select(w => " " + Marker(cluster, w.Host)).ToList();
        var kept = lines.Where(l => !markers.Any(m => l.EndsWith(m, StringComparison.Ordinal))).ToList();
        foreach (var (_, hostLines) in list) kept.AddRange(hostLines);
        return kept;
    }

    private static Task ReplaceManagedLinesAsync(RemoteHost host, string path, string mode, string cluster,
        IEnumerable<(string, string)> wanted, CancellationToken ct) =>
        ReplaceManagedLinesAsync(host, path, mode, cluster,
            wanted.Select(w => (w.Item1, (IEnumerable<string>)[w.Item2])), ct);

    private static Task ReplaceManagedLinesAsync(RemoteHost host, string path, string mode, string cluster,
        IEnumerable<(string, IEnumerable<string>)> wanted, CancellationToken ct) =>
        EditAsync(host, path, mode, lines => Replace(lines, cluster, wanted), ct);

    /// <summary>
    /// Reads a file, applies <paramref name="edit"/> to its lines and writes it back (atomically, by rename) only when
    /// they changed.
    /// </summary>
    private static async Task EditAsync(RemoteHost host, string path, string mode,
        Func<IReadOnlyList<string>, List<string>> edit, CancellationToken ct)
    {
        var read = await HostFiles.ReadIfPresent(path).RunAsync(host, T, ct).ConfigureAwait(false);
        var text = read is null ? "" : Encoding.UTF8.GetString(read);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        var edited = edit(lines);
        if (edited.SequenceEqual(lines)) return;
        var dir = path[..path.LastIndexOf('/')];
        var temp = path + ".mvm-new";
        var batch = new ToolBatch();
        batch.Add(HostFiles.MakeDirectories(dir == "/root/.ssh" ? "0700" : "0755", [dir]));
        batch.Add(HostFiles.Write(temp, mode,
            Encoding.UTF8.GetBytes(string.Join('\n', edited) + (edited.Count > 0 ? "\n" : ""))));
        batch.Add(HostFiles.Move(temp, path));
        await batch.RunCheckedAsync(host, T, ct).ConfigureAwait(false);
    }

    private static async Task<Peer> ReadPeerAsync(MemberHost spec, RemoteHost host, CancellationToken ct)
    {
        if (!await HostFiles.IsFile(KeyFile).RunAsync(host, T, ct).ConfigureAwait(false))
        {
            await HostFiles.MakeDirectories("0700", [KeyDirectory]).RunAsync(host, T, ct).ConfigureAwait(false);
            await OpenSshCalls.KeyGen(KeyFile, "mvm-migration").RunAsync(host, T, ct).ConfigureAwait(false);
        }
        var batch = new ToolBatch(stopOnFailure: false);
        var ownKey = batch.Add(HostFiles.ReadText(KeyFile + ".pub"));
        var ownHostKeys = batch.Add(OpenSshCalls.HostPublicKeys());
        await batch.RunAsync(host, T, ct).ConfigureAwait(false);
        var migrationKey = ownKey.Value.Trim();
        var hostKeys = ownHostKeys.Value;
        if (hostKeys.Count == 0) throw new ProviderException($"{spec.Name} has no SSH host keys in /etc/ssh: is " +
            $"openssh-server installed?");
        return new Peer(spec.Name!, spec.Address!, spec.SshPort ?? 22, migrationKey, hostKeys);
    }
}
