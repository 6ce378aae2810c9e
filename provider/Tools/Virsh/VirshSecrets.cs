using System.Text;

namespace Mvm.Tools;

// Secrets: the cephx key QEMU and the RBD pool authenticate with. The value travels on stdin
// only — never on argv, where any user on the host could read it in `ps` or /proc.
public sealed partial class Virsh
{
    public Task SecretDefineAsync(SecretXml secret, bool validate = true, CancellationToken ct = default) =>
        SecretDefineAsync(secret.ToXml(), validate, ct);

    /// <summary>`virsh secret-define` (XML on stdin). Defining the same UUID again updates it.</summary>
    public async Task SecretDefineAsync(string secretXml, bool validate = true, CancellationToken ct = default)
    {
        string[] args = validate ? ["secret-define", "--file", Stdin, "--validate"]
            : ["secret-define", "--file", Stdin];
        await RunAsync(args, null, ct, Utf8(secretXml)).ConfigureAwait(false);
    }

    /// <summary>
    /// `virsh secret-set-value --file /dev/stdin`: the value is sent base64-encoded on stdin
    /// (libvirt 9.0 decodes --file input from base64 unless --plain, which keeps binary values
    /// intact through any pipe).
    /// </summary>
    public async Task SecretSetValueAsync(Guid secret, ReadOnlyMemory<byte> value, CancellationToken ct = default)
    {
        if (value.IsEmpty) throw new ArgumentException($"secret {secret}: libvirt rejects an empty value");
        await SendSecretAsync(secret, Convert.ToBase64String(value.Span), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets a value given in base64 — a cephx key as `ceph auth get-key` prints it is exactly
    /// that. Invalid base64 is refused here: libvirt would otherwise store nothing and report only
    /// "value … must not be NULL".
    /// </summary>
    public async Task SecretSetValueBase64Async(Guid secret, string base64Value, CancellationToken ct = default)
    {
        var trimmed = base64Value.Trim();
        var buffer = new byte[trimmed.Length];
        if (trimmed.Length == 0 || !Convert.TryFromBase64String(trimmed, buffer, out var n) || n == 0)
            throw new ArgumentException($"secret {secret}: the value is not base64 (the value itself is not shown)");
        await SendSecretAsync(secret, trimmed, ct).ConfigureAwait(false);
    }

    private async Task SendSecretAsync(Guid secret, string base64, CancellationToken ct) =>
        await RunAsync(SecretSetValueArgs(secret), VirshObject.Secret(secret), ct,
            Encoding.ASCII.GetBytes(base64 + "\n")).ConfigureAwait(false);

    internal static string[] SecretSetValueArgs(Guid secret) =>
        ["secret-set-value", "--secret", secret.ToString("D"), "--file", Stdin];

    /// <summary>`virsh secret-list`: UUIDs and usages.</summary>
    public async Task<IReadOnlyList<SecretListEntry>> SecretListAsync(CancellationToken ct = default)
    {
        var result = await RunAsync(["secret-list"], null, ct).ConfigureAwait(false);
        return VirshOutput.ParseSecretList(result.StdoutText);
    }

    public async Task<SecretXml> SecretDumpXmlAsync(Guid secret, CancellationToken ct = default)
    {
        var result = await RunAsync(["secret-dumpxml", "--secret", secret.ToString("D")], VirshObject.Secret(secret),
            ct).ConfigureAwait(false);
        return SecretXml.Parse(result.StdoutText);
    }

    public async Task SecretUndefineAsync(Guid secret, CancellationToken ct = default) =>
        await RunAsync(["secret-undefine", "--secret", secret.ToString("D")], VirshObject.Secret(secret), ct)
            .ConfigureAwait(false);
}
