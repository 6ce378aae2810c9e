using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Mvm.Core;

namespace Mvm.Framework.Config;

/// <summary>
/// Offline checks of SSH settings: ports, login users, pinned host keys, private keys. Messages
/// never repeat a secret value.
/// </summary>
public static partial class SshChecks
{
    private static readonly HashSet<string> KeyTypes = new(StringComparer.Ordinal)
    {
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    };

    public static void CheckPort(CheckContext ctx, string path, int? port) => ctx.RequireRange(path, port, 1, 65535);

    public static void CheckUser(CheckContext ctx, string path, string? user)
    {
        if (user is null) return;
        if (!UserName().IsWholeMatch(user))
            ctx.Fail(path,
                $"{Quoted.Value(user)} is not a login name: use 1-32 letters, digits, '_', '.' or '-', starting with " +
                "a letter or '_'");
    }

    /// <summary>
    /// A pinned host public key: `&lt;type&gt; &lt;base64&gt; [comment]`, as in /etc/ssh/ssh_host_ed25519_key.pub
    /// or the key part of `ssh-keyscan` output. The base64 blob must decode and name the same type.
    /// </summary>
    public static void CheckHostKey(CheckContext ctx, string path, string? key)
    {
        if (key is null) return;
        if (key.Trim().Any(char.IsControl))
        {
            // A line break would smuggle a second key line into the known_hosts file ssh is given.
            ctx.Fail(path,
                $"{Quoted.Value(key)} must be one line: a public key \"<type> <base64> [comment]\" without control " +
                "characters or line breaks");
            return;
        }
        const string Example = "e.g. \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA…\" from " +
            "/etc/ssh/ssh_host_ed25519_key.pub on the host";
        var parts = key.Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            ctx.Fail(path, $"{Quoted.Value(key)} must be a public key \"<type> <base64>\", {Example}");
            return;
        }
        if (!KeyTypes.Contains(parts[0]))
        {
            // A known_hosts line starts with the host name: point at the part to keep.
            var hint = parts.Length == 3
                && KeyTypes.Contains(parts[1]) ? "; drop the leading host name (known_hosts format)" : "";
            ctx.Fail(path,
                $"{Quoted.Value(key)}: key type {Quoted.Value(parts[0])} is not one " +
                $"of {string.Join(", ", KeyTypes)}{hint}");
            return;
        }
        var blobType = EmbeddedKeyType(parts[1]);
        if (blobType is null)
            ctx.Fail(path,
                $"{Quoted.Value(key)}: the key data after {Quoted.Value(parts[0])} is not valid base64 of an SSH " +
                $"public key; copy the whole line, {Example}");
        else if (blobType != parts[0])
            ctx.Fail(path,
                $"{Quoted.Value(key)}: the key data is a {blobType} key but the line says {parts[0]}; copy the whole " +
                "line unchanged");
    }

    /// <summary>Private key text (OpenSSH or PEM); catches the common mistake of passing a file path.</summary>
    public static void CheckPrivateKey(CheckContext ctx, string path, string? key)
    {
        if (key is null) return;
        var trimmed = key.Trim();
        if (trimmed.StartsWith("-----BEGIN ", StringComparison.Ordinal)
            && trimmed.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) return;
        var hint = trimmed.StartsWith('/') || trimmed.StartsWith('~')
            || trimmed.EndsWith(".pem", StringComparison.Ordinal)
            ? "; it looks like a file path: pass the file's content (e.g. fs.readFileSync(path, \"utf8\")) instead"
            : trimmed.StartsWith("ssh-", StringComparison.Ordinal) ? "; this looks like a public key" : "";
        ctx.Fail(path, $"must be private key text starting with \"-----BEGIN … PRIVATE KEY-----\"{hint}");
    }

    public static void CheckPassword(CheckContext ctx, string path, string? password)
    {
        if (password is not null && password.Length == 0)
            ctx.Fail(path, "must not be empty; leave it out to use key or agent authentication");
    }

    public static void CheckJumpHosts(CheckContext ctx, string path, IReadOnlyList<JumpHost?>? hops)
    {
        if (hops is null) return;
        for (var i = 0; i < hops.Count; i++)
        {
            var hop = hops[i];
            if (hop is null) continue;
            var p = PropertyPath.Index(path, i);
            HostAddress.Check(ctx, PropertyPath.Field(p, "address"), hop.Address);
            CheckPort(ctx, PropertyPath.Field(p, "port"), hop.Port);
            CheckUser(ctx, PropertyPath.Field(p, "user"), hop.User);
            CheckPrivateKey(ctx, PropertyPath.Field(p, "privateKey"), hop.PrivateKey);
            CheckHostKey(ctx, PropertyPath.Field(p, "hostKey"), hop.HostKey);
        }
    }

    /// <summary>
    /// True for "&lt;type&gt; &lt;base64&gt;" whose key data decodes and names that type (known_hosts key fields).
    /// </summary>
    public static bool IsPublicKey(string type, string base64) =>
        KeyTypes.Contains(type) && EmbeddedKeyType(base64) == type;

    private static string? EmbeddedKeyType(string base64)
    {
        try
        {
            var blob = Convert.FromBase64String(base64);
            if (blob.Length < 4) return null;
            var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
            if (length == 0 || length > 64 || blob.Length < 4 + length) return null;
            return Encoding.ASCII.GetString(blob, 4, (int)length);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_.-]{0,31}\z")]
    private static partial Regex UserName();
}
