using System.Text;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Tools;

/// <summary>
/// Test setup for live migration over `qemu+ssh://`: `virsh migrate` runs on the source host and
/// starts `ssh` there, as root (virsh runs under sudo), to reach the destination's libvirtd. So
/// root on the source needs a key the destination's root accepts, and the destination's host key
/// in its own known_hosts: host keys stay verified, no StrictHostKeyChecking=no. This is what the
/// provider will set up between cluster hosts; until it does, this is the smallest version of it.
/// The key lives at a non-default path and reaches ssh only through the URI's `?keyfile=`, as
/// <see cref="Mvm.Tools.LibvirtUri.QemuSsh"/> builds it: so a passing migration proves that path.
/// </summary>
internal static class MigrationLabSetup
{
    /// <summary>A dedicated key: not one ssh would try by itself, and removable without touching root's own.</summary>
    public const string KeyFile = "/root/.ssh/mvm-migrate";

    private const string AuthorizedKeys = "/root/.ssh/authorized_keys";
    private const string KnownHostsFile = "/root/.ssh/known_hosts";
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Lets root on <paramref name="source"/> log in as root on <paramref name="destination"/>
    /// (reached at <paramref name="destinationAddress"/>) with <see cref="KeyFile"/>. Idempotent:
    /// each step checks before it writes. Returns what it did, for the test log.
    /// </summary>
    /// <param name="source">Root on the source host.</param>
    /// <param name="destination">Root on the destination host.</param>
    /// <param name="expectedHostKey">
    /// The destination's host key as the lab recorded it from inside the host (`ssh-ed25519 AAAA…`).
    /// ssh-keyscan alone is trust on first use; comparing what it got with a key known by another
    /// path is what makes the known_hosts entry trustworthy.
    /// </param>
    public static async Task<string> EnsureSshTrustAsync(IHost source, IHost destination, string destinationAddress, string expectedHostKey,
        CancellationToken ct = default)
    {
        var did = new List<string>();

        // 1. The source's key pair.
        if ((await source.RunAsync(["test", "-f", KeyFile], null, T, ct)).ExitCode != 0)
        {
            await source.RunCheckedAsync(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", $"mvm-migrate@{source.Name}", "-f", KeyFile], T, ct);
            did.Add($"generated {KeyFile} on {source.Name}");
        }
        var publicKey = (await source.RunCheckedAsync(["cat", KeyFile + ".pub"], T, ct)).StdoutText.Trim();
        var blob = KeyBlob(publicKey);

        // 2. Authorised for root on the destination (matched on the key itself, not the comment).
        var authorized = (await destination.RunAsync(["cat", AuthorizedKeys], null, T, ct)).StdoutText;
        if (!authorized.Split('\n').Any(l => KeyBlobOrNull(l) == blob))
        {
            // Appending to a file whose last line has no newline would glue the key onto it.
            var text = (authorized.Length > 0 && !authorized.EndsWith('\n') ? "\n" : "") + publicKey + "\n";
            await destination.RunCheckedAsync(["mkdir", "-p", "-m", "700", "/root/.ssh"], T, ct);
            await destination.RunCheckedAsync(["tee", "-a", AuthorizedKeys], T, ct, Encoding.UTF8.GetBytes(text));
            did.Add($"authorised {source.Name}'s key for root on {destination.Name}");
        }

        // 3. The destination's host key in the source's known_hosts, under the address the URI uses.
        var known = await source.RunAsync(["ssh-keygen", "-F", destinationAddress, "-f", KnownHostsFile], null, T, ct);
        if (known.ExitCode != 0 || !known.StdoutText.Contains(expectedHostKey, StringComparison.Ordinal))
        {
            var type = expectedHostKey.Split(' ')[0];
            var scan = await source.RunCheckedAsync(["ssh-keyscan", "-T", "5", "-t", type, destinationAddress], T, ct);
            var line = scan.StdoutText.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'))
                ?? throw new InvalidOperationException($"ssh-keyscan on {source.Name} got no {type} key from {destinationAddress}: {scan.StderrText}");
            if (line != $"{destinationAddress} {expectedHostKey}")
                throw new InvalidOperationException($"{source.Name} sees host key '{line}' at {destinationAddress}, but the lab recorded '{expectedHostKey}'");
            // A stale entry (another key for the same address) would make ssh refuse outright.
            if (known.ExitCode == 0) await source.RunCheckedAsync(["ssh-keygen", "-R", destinationAddress, "-f", KnownHostsFile], T, ct);
            await source.RunCheckedAsync(["tee", "-a", KnownHostsFile], T, ct, Encoding.UTF8.GetBytes(line + "\n"));
            did.Add($"added {destination.Name}'s host key to {source.Name}'s known_hosts (ssh-keyscan, checked against the lab's record)");
        }

        // 4. What libvirt's ssh will do, minus libvirt: a clear failure here beats a migration error.
        //    BatchMode: no prompt to hide behind (an unknown host key fails instead of asking);
        //    IdentitiesOnly: this key and no other.
        var probe = await source.RunAsync(["ssh", "-i", KeyFile, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            $"root@{destinationAddress}", "true"], null, T, ct);
        if (probe.ExitCode != 0)
            throw new InvalidOperationException($"root on {source.Name} cannot ssh to root@{destinationAddress} with {KeyFile}: {probe.StderrText.Trim()}");
        return $"{source.Name} -> {destination.Name}: " + (did.Count == 0 ? "ssh trust already in place" : string.Join("; ", did));
    }

    private static string KeyBlob(string line) =>
        KeyBlobOrNull(line) ?? throw new InvalidOperationException($"'{line}' is not an OpenSSH public key line");

    /// <summary>The base64 part of `[options] type blob [comment]`: the key, whatever options or comment surround it.</summary>
    private static string? KeyBlobOrNull(string line)
    {
        var words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.FindIndex(words, w => w.StartsWith("ssh-", StringComparison.Ordinal) || w.StartsWith("ecdsa-", StringComparison.Ordinal));
        return i >= 0 && i + 1 < words.Length ? words[i + 1] : null;
    }
}
