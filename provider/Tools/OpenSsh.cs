using System.Globalization;

namespace Mvm.Tools;

/// <summary>
/// OpenSSH on a host, as root's ssh client sees it: the key pair the host uses to reach its
/// peers, the host's own public host keys, and a login test with that key. No private key ever
/// leaves the host; `-N ""` makes an unencrypted key libvirt's ssh can use unattended.
/// </summary>
public static class OpenSshCalls
{
    /// <summary>`ssh-keygen -q -t ed25519 -N "" -C COMMENT -f PATH`: a new key pair at PATH and PATH.pub.</summary>
    public static ToolCall<bool> KeyGen(string path, string comment)
    {
        if (!path.StartsWith('/')) throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));
        if (comment.Any(c => char.IsWhiteSpace(c) ||
            char.IsControl(c))) throw new ArgumentException("a key comment is one word", nameof(comment));
        return new(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], null,
            r => r.EnsureSuccess() is not null);
    }

    /// <summary>The host's public host keys (/etc/ssh/ssh_host_*_key.pub), one line each.</summary>
    public static ToolCall<IReadOnlyList<string>> HostPublicKeys() =>
        new(["sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub"], null,
            r => r.EnsureSuccess().StdoutText.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList());

    /// <summary>
    /// `ssh -i KEY -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 [-p PORT] USER@ADDRESS true`:
    /// null when the login works, else ssh's own error.
    /// </summary>
    public static ToolCall<string?> Probe(string keyFile, string user, string address, int? port)
    {
        if (!keyFile.StartsWith('/')) throw new ArgumentException($"\"{keyFile}\" is not an absolute path",
            nameof(keyFile));
        if (address.Length == 0 || address.StartsWith('-') || address.Any(char.IsWhiteSpace))
            throw new ArgumentException($"\"{address}\" is not a host address", nameof(address));
        var argv = new List<string> { "ssh", "-i", keyFile, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o",
            "ConnectTimeout=10" };
        if (port is { } p) argv.AddRange(["-p", p.ToString(CultureInfo.InvariantCulture)]);
        argv.AddRange([$"{user}@{address}", "true"]);
        return new([.. argv], null, r => r.ExitCode == 0 ? null : r.StderrText.Trim());
    }
}

/// <summary>`ip link` on a host.</summary>
public static class IpLinkCalls
{
    /// <summary>`ip link set dev DEVICE up`.</summary>
    public static ToolCall<bool> SetUp(string device)
    {
        if (device.Length == 0 || device.Length > 15 || device.StartsWith('-') ||
            device.Any(c => char.IsWhiteSpace(c) || c == '/'))
            throw new ArgumentException($"\"{device}\" is not a network interface name", nameof(device));
        return new(["ip", "link", "set", "dev", device, "up"], null, r => r.EnsureSuccess() is not null);
    }
}
