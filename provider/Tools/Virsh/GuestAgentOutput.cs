using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mvm.Tools;

/// <summary>
/// Parsers for what `virsh qemu-agent-command` and `virsh domifaddr --source agent` print
/// (libvirt 9.0, qemu-guest-agent 7.2); the unit tests feed them output captured from the lab's guest.
/// </summary>
public static class GuestAgentOutput
{
    /// <summary>virsh's words for "no agent to talk to" (not connected yet, or stopped answering).</summary>
    public static bool IsUnavailable(string stderr) =>
        stderr.Contains("Guest agent is not responding", StringComparison.Ordinal) ||
        stderr.Contains("QEMU guest agent is not connected", StringComparison.Ordinal) ||
        stderr.Contains("Guest agent not available for now", StringComparison.Ordinal);

    /// <summary>guest-file-open's error for a path that does not exist in the guest.</summary>
    public static bool IsNoSuchFile(string stderr) =>
        stderr.Contains("No such file or directory", StringComparison.Ordinal);

    /// <summary>
    /// The `return` member of the agent's reply (null for commands that return `{}` are still an object, not null).
    /// </summary>
    public static JsonNode? ParseReturn(string stdout, string command)
    {
        JsonNode? reply;
        try
        {
            reply = JsonNode.Parse(stdout);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the guest agent's reply to {command} is not JSON: {Short(stdout)}", e);
        }
        if (reply is not JsonObject obj || !obj.TryGetPropertyValue("return", out var ret))
            throw new FormatException($"the guest agent's reply to {command} has no \"return\": {Short(stdout)}");
        return ret;
    }

    /// <summary>guest-exec's reply: the pid to ask guest-exec-status about.</summary>
    public static long ParseExecPid(JsonNode? ret) =>
        ret?["pid"]?.GetValue<long>()
            ?? throw new FormatException($"guest-exec returned no pid: {ret?.ToJsonString()}");

    /// <summary>guest-exec-status: null while the program runs, its result once it exited.</summary>
    public static GuestExecResult? ParseExecStatus(JsonNode? ret)
    {
        if (ret is not JsonObject o) throw new
            FormatException($"guest-exec-status returned {ret?.ToJsonString() ?? "null"}");
        if (o["exited"]?.GetValue<bool>() != true) return null;
        // A program killed by a signal has "signal" and no "exitcode"; report it the way a shell would.
        var exit = o["exitcode"]?.GetValue<int>() ?? (o["signal"]?.GetValue<int>() is { } sig ? 128 + sig : -1);
        return new GuestExecResult(exit, Bytes(o["out-data"]), Bytes(o["err-data"]),
            o["out-truncated"]?.GetValue<bool>() == true || o["err-truncated"]?.GetValue<bool>() == true);
    }

    /// <summary>guest-file-open: the handle, a bare number.</summary>
    public static long ParseHandle(JsonNode? ret) =>
        ret is JsonValue v
            && v.TryGetValue<long>(out var handle) ? handle
            : throw new FormatException($"guest-file-open returned {ret?.ToJsonString() ?? "null"}, not a handle");

    /// <summary>guest-file-read: the bytes read and whether the end of the file was reached.</summary>
    public static (byte[] Bytes, bool Eof) ParseFileRead(JsonNode? ret)
    {
        if (ret is not JsonObject o) throw new
            FormatException($"guest-file-read returned {ret?.ToJsonString() ?? "null"}");
        var bytes = Bytes(o["buf-b64"]);
        var count = o["count"]?.GetValue<long>() ?? bytes.Length;
        if (count != bytes.Length) throw new
            FormatException($"guest-file-read said {count} bytes but sent {bytes.Length}");
        return (bytes, o["eof"]?.GetValue<bool>() == true);
    }

    /// <summary>
    /// `virsh domifaddr --full` (every row carries its interface's name and MAC):
    /// <code>
    ///  Name       MAC address          Protocol     Address
    /// -------------------------------------------------------------------------------
    ///  lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
    /// </code>
    /// A NIC without addresses has `N/A` in the last two columns.
    /// </summary>
    public static IReadOnlyList<GuestInterface> ParseDomIfAddr(string stdout)
    {
        var order = new List<string>();
        var byName = new Dictionary<string, (string? Mac, List<GuestAddress> Addresses)>(StringComparer.Ordinal);
        var seenRule = false;
        foreach (var raw in stdout.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (!seenRule)
            {
                seenRule = line.StartsWith("---", StringComparison.Ordinal);
                continue;
            }
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length != 4) throw new FormatException($"unexpected `virsh domifaddr` line: {line}");
            var (name, mac, family, address) = (cols[0], cols[1], cols[2], cols[3]);
            if (!byName.TryGetValue(name, out var entry))
            {
                entry = (mac is "-" or "N/A" ? null : MacAddresses.Normalize(mac), []);
                byName[name] = entry;
                order.Add(name);
            }
            if (family == "N/A") continue;
            var slash = address.LastIndexOf('/');
            if (slash <= 0
                || !int.TryParse(address[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture,
                out var prefix))
                throw new FormatException($"unexpected address '{address}' in `virsh domifaddr` line: {line}");
            entry.Addresses.Add(new GuestAddress(family, address[..slash], prefix));
        }
        if (!seenRule
            && stdout.Trim()
            .Length > 0) throw new FormatException($"`virsh domifaddr` printed no table: {Short(stdout)}");
        return order.Select(n => new GuestInterface(n, byName[n].Mac, byName[n].Addresses)).ToList();
    }

    private static byte[] Bytes(JsonNode? base64) =>
        base64 is null ? [] : Convert.FromBase64String(base64.GetValue<string>());

    private static string Short(string text) => text.Length <= 300 ? text.Trim() : text[..300] + "…";
}
