using System.Text;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// The optional reads of <see cref="HostFactsRequest"/>: device probes, /proc/swaps and name resolution.
/// </summary>
public sealed partial class HostFacts
{
    internal static readonly string[] SwapsArgv = ["cat", "/proc/swaps"];

    internal static string[] ReadlinkArgv(string device) => ["readlink", "-e", "--", device];
    // test(1) takes no "--"; the path is absolute (checked below), so it cannot be read as an option.
    internal static string[] IsBlockArgv(string device) => ["test", "-b", device];
    // -p probes the device itself instead of trusting blkid's cache or udev.
    internal static string[] BlkidArgv(string device) => ["blkid", "-p", "-o", "export", "--", device];
    // ahosts, not hosts: it answers from DNS and /etc/hosts in the order nsswitch.conf says, like ssh.
    internal static string[] GetentArgv(string name) => ["getent", "ahosts", "--", name];

    /// <summary>
    /// The request's commands, in the order <see cref="FromResults(string, ScriptResult, HostFactsRequest)"/> reads
    /// them.
    /// </summary>
    internal static IReadOnlyList<string[]> ExtraCommands(HostFactsRequest request)
    {
        var commands = new List<string[]>();
        if (request.Devices.Count > 0) commands.Add(SwapsArgv);
        foreach (var device in request.Devices)
        {
            if (string.IsNullOrEmpty(device) || device[0] != '/')
                throw new ArgumentException($"a device to probe must be an absolute path, got \"{device}\"",
                    nameof(request));
            commands.Add(ReadlinkArgv(device));
            commands.Add(IsBlockArgv(device));
            commands.Add(BlkidArgv(device));
        }
        foreach (var name in request.Names)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a name to resolve must not be empty",
                nameof(request));
            commands.Add(GetentArgv(name));
        }
        return commands;
    }

    internal static HostFactsResult FromResults(string hostName, ScriptResult r, HostFactsRequest request)
    {
        var facts = FromResults(hostName, r);
        var next = Commands.Count;
        // The script does not stop on failure, so every command reports; a gap means broken framing.
        CommandResult Next() =>
            r[next] ?? throw new FormatException($"command {next} of the host facts script did not run on {hostName}");

        IReadOnlyList<string> swaps = [];
        if (request.Devices.Count > 0)
        {
            swaps = ParseSwaps(Next().EnsureSuccess().StdoutText);
            next++;
        }

        var devices = new List<DeviceProbe>();
        foreach (var device in request.Devices)
        {
            var link = Next();
            next++;
            var isBlock = Next();
            next++;
            var blkid = Next();
            next++;
            var kernel = link.ExitCode == 0 && link.StdoutText.Trim() is { Length: > 0 } k ? k : null;
            devices.Add(ProbeFrom(hostName, device, kernel, isBlock.ExitCode == 0, blkid));
        }

        var names = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var name in request.Names)
        {
            var g = Next();
            next++;
            if (g.ExitCode == 127) throw new ToolMissingException(hostName, "getent", "libc-bin");
            // getent exits 2 when the name does not resolve: an answer, not a failure.
            names[name] = g.ExitCode == 2 ? [] : ParseGetentAhosts(g.EnsureSuccess().StdoutText);
        }
        return facts with { Devices = devices, SwapDevices = swaps, ResolvedNames = names };
    }

    private static DeviceProbe ProbeFrom(string hostName, string device, string? kernel, bool isBlock,
        CommandResult blkid)
    {
        switch (blkid.ExitCode)
        {
            case 0:
                return new DeviceProbe(device, kernel, isBlock, ParseBlkidExport(blkid.StdoutText), false);
            // 2: nothing found (also what a missing device gives; readlink tells those apart).
            case 2:
                return new DeviceProbe(device, kernel, isBlock, new Dictionary<string, string>(), false);
            // 8: "ambivalent result": several signatures that contradict each other, e.g. a filesystem
            // inside a partition table. Certainly not an empty disk.
            case 8:
                return new DeviceProbe(device, kernel, isBlock, ParseBlkidExport(blkid.StdoutText), true);
            case 127:
                throw new ToolMissingException(hostName, "blkid", "util-linux");
            default:
                blkid.EnsureSuccess();
                throw new System.Diagnostics.UnreachableException();
        }
    }

    /// <summary>`blkid -o export`: KEY=value lines; values escape shell-special characters with a backslash.</summary>
    public static IReadOnlyDictionary<string, string> ParseBlkidExport(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var value = new StringBuilder();
            for (var i = eq + 1; i < line.Length; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length) i++;
                value.Append(line[i]);
            }
            values[line[..eq]] = value.ToString();
        }
        return values;
    }

    /// <summary>/proc/swaps: a header line, then one line per swap area whose first field is its path.</summary>
    public static IReadOnlyList<string> ParseSwaps(string text) =>
        text.Split('\n').Skip(1)
            .Select(l => l.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault())
            .Where(p => p is { Length: > 0 })
            .Select(p => p!.Replace("\\040", " ", StringComparison.Ordinal))
            .ToList();

    /// <summary>
    /// `getent ahosts`: "ADDRESS  SOCKTYPE [NAME]" lines, each address three times (one per socket type).
    /// </summary>
    public static IReadOnlyList<string> ParseGetentAhosts(string text) =>
        text.Split('\n')
            .Select(l => l.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault())
            .Where(a => a is { Length: > 0 })
            .Select(a => a!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
