using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Resources.Vlans;

/// <summary>
/// A host with an in-memory libvirt (networks, domains) and OVS (bridges), answering the argv the
/// clients build with the wording and formats captured from libvirt 9.0 and OVS 3.1 on the lab
/// (Fixtures/Virsh, Fixtures/OvsVsctl). It runs <see cref="RemoteScript"/>s the way bash would:
/// each quoted command in turn, with its stdin, stopping after a failure when the script says so.
/// Tests assert on the simulated host's state afterwards, as the lab tests do on real hosts.
/// </summary>
internal sealed partial class VlanHostSimulator(string name) : IHost
{
    public sealed class Net
    {
        public required XElement Persistent { get; set; }
        public XElement? Live { get; set; }
        public bool Autostart { get; set; }
        public bool IsPersistent { get; set; } = true;
        public bool Active => Live is not null;
    }

    public string Name { get; } = name;
    public Dictionary<string, Net> Networks { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, string>> Bridges { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Domains { get; } = new(StringComparer.Ordinal);
    /// <summary>Every command run, as argv (scripts expanded), to count round trips and changes.</summary>
    public List<IReadOnlyList<string>> Commands { get; } = [];
    public int RoundTrips { get; private set; }
    /// <summary>Fail the command whose argv contains this word, with this stderr (to simulate a host failing mid-way).</summary>
    public (string Word, string Stderr)? FailOn { get; set; }

    public static string Fixture(string tool, string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", tool, file));

    public VlanHostSimulator WithBridge(string bridge, Dictionary<string, string>? ids = null)
    {
        Bridges[bridge] = ids ?? [];
        return this;
    }

    public VlanHostSimulator WithNetwork(string xml, bool active = true, bool autostart = true)
    {
        var e = XElement.Parse(xml);
        Networks[e.Element("name")!.Value] = new Net { Persistent = e, Live = active ? new XElement(e) : null, Autostart = autostart };
        return this;
    }

    public VlanHostSimulator WithDomain(string domain, string xml)
    {
        Domains[domain] = xml;
        return this;
    }

    /// <summary>sshd stopped: every command fails to connect, as the transport reports it.</summary>
    public bool Down { get; set; }

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        if (Down) throw new HostUnreachableException("10.0.0.12", 22, $"ssh: connect to host 10.0.0.12 port 22: Connection refused ({Name}; 3 attempts over 1.5 s)");
        RoundTrips++;
        if (argv is ["bash", "-s"]) return Task.FromResult(RunScript(argv, Encoding.UTF8.GetString(stdin!)));
        var (exit, stdout, stderr) = Run(argv, stdin);
        return Task.FromResult(Result(argv, exit, stdout, stderr));
    }

    private CommandResult Result(IReadOnlyList<string> argv, int exit, string stdout, string stderr) =>
        new(Name, argv, exit, Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr));

    // ---- the script, read back as bash would ----

    private CommandResult RunScript(IReadOnlyList<string> argv, string script)
    {
        var nonce = Nonce().Match(script).Groups[1].Value;
        var output = new StringBuilder();
        var lines = script.Split('\n');
        byte[]? pendingStdin = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("base64 -d >\"$d/i\" <<", StringComparison.Ordinal))
            {
                var b64 = new StringBuilder();
                while (!lines[++i].StartsWith("MVM-" + nonce + "-IN", StringComparison.Ordinal)) b64.Append(lines[i]);
                pendingStdin = Convert.FromBase64String(b64.ToString());
                continue;
            }
            var m = CommandLine().Match(line);
            if (!m.Success) continue;
            var command = Words(m.Groups["cmd"].Value);
            var stdin = m.Groups["in"].Value == "\"$d/i\"" ? pendingStdin : null;
            pendingStdin = null;
            var (exit, stdout, stderr) = Run(command, stdin);
            output.Append("MVM-").Append(nonce).Append(' ').Append(m.Groups["i"].Value).Append(' ').Append(exit).Append('\n')
                .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(stdout))).Append('\n')
                .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(stderr))).Append('\n');
            if (exit != 0 && line.EndsWith("|| exit 0", StringComparison.Ordinal)) break;
        }
        return Result(argv, 0, output.ToString(), "");
    }

    /// <summary>POSIX words as <see cref="PosixQuote"/> writes them: bare, or single-quoted with '\'' for a quote.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ' ' && inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; continue; }
            if (c == ' ') continue;
            inWord = true;
            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                current.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\') current.Append(text[++i]);
            else current.Append(c);
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }

    [GeneratedRegex(@"^mvm_report_([0-9a-f]+)\(\)", RegexOptions.Multiline)]
    private static partial Regex Nonce();

    [GeneratedRegex(@"^(?<cmd>.*) <(?<in>/dev/null|""\$d/i"") >""\$d/o"" 2>""\$d/e""; c=\$\?; mvm_report_[0-9a-f]+ (?<i>\d+) ""\$c""")]
    private static partial Regex CommandLine();

    // ---- the tools ----

    private (int Exit, string Stdout, string Stderr) Run(IReadOnlyList<string> argv, byte[]? stdin)
    {
        Commands.Add(argv);
        if (FailOn is { } f && argv.Contains(f.Word)) return (1, "", f.Stderr);
        if (argv.Take(5).SequenceEqual(["env", "LC_ALL=C", "virsh", "-c", "qemu:///system"])) return Virsh(argv.Skip(5).ToList(), stdin);
        if (argv[0] == "ovs-vsctl") return Ovs(argv.Skip(1).SkipWhile(a => a.StartsWith("--timeout=", StringComparison.Ordinal)).ToList());
        return (127, "", $"bash: {argv[0]}: command not found");
    }

    private static string Opt(IReadOnlyList<string> args, string name) => args[args.ToList().IndexOf(name) + 1];

    private (int, string, string) NoNetwork(string net) =>
        (1, "", Fixture("Virsh", "virsh-9.0.0-net-dumpxml-missing-network.stderr").Replace("mvm-vlan99", net, StringComparison.Ordinal));

    private (int, string, string) Virsh(List<string> a, byte[]? stdin)
    {
        switch (a[0])
        {
            case "net-dumpxml":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                return (0, ((a.Contains("--inactive") || !n.Active ? n.Persistent : n.Live)!).ToString() + "\n", "");
            }
            case "net-info":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                return (0, $"Name:           {net}\nUUID:           {n.Persistent.Element("uuid")!.Value}\nActive:         {YesNo(n.Active)}\n" +
                           $"Persistent:     {YesNo(n.IsPersistent)}\nAutostart:      {YesNo(n.Autostart)}\nBridge:         {n.Persistent.Element("bridge")?.Attribute("name")?.Value}\n\n", "");
            }
            case "net-define":
            {
                var e = XElement.Parse(Encoding.UTF8.GetString(stdin!));
                var net = e.Element("name")!.Value;
                var uuid = e.Element("uuid")?.Value;
                if (Networks.TryGetValue(net, out var n))
                {
                    var existing = n.Persistent.Element("uuid")!.Value;
                    if (uuid != existing)
                        return (1, "", Fixture("Virsh", "virsh-9.0.0-net-define-exists-other-uuid.stderr")
                            .Replace("mvm-vlan22", net, StringComparison.Ordinal).Replace("/tmp/n.xml", "/dev/stdin", StringComparison.Ordinal)
                            .Replace("3b97b513-54e6-4120-8195-4f34bdf298b3", existing, StringComparison.Ordinal));
                    n.Persistent = e;
                    n.IsPersistent = true;
                }
                else
                {
                    if (uuid is null) e.Element("name")!.AddAfterSelf(new XElement("uuid", Guid.NewGuid().ToString("D")));
                    Networks[net] = new Net { Persistent = e };
                }
                return (0, $"Network {net} defined from /dev/stdin\n\n", "");
            }
            case "net-start":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                if (n.Active) return (1, "", Fixture("Virsh", "virsh-9.0.0-net-start-already-active.stderr"));
                n.Live = new XElement(n.Persistent);
                return (0, $"Network {net} started\n\n", "");
            }
            case "net-autostart":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                n.Autostart = !a.Contains("--disable");
                return (0, $"Network {net} marked as autostarted\n\n", "");
            }
            case "net-destroy":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                if (!n.Active) return (1, "", $"error: Failed to destroy network {net}\nerror: Requested operation is not valid: network '{net}' is not active\n");
                n.Live = null;
                if (!n.IsPersistent) Networks.Remove(net);
                return (0, $"Network {net} destroyed\n\n", "");
            }
            case "net-undefine":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                if (n.Active) n.IsPersistent = false;
                else Networks.Remove(net);
                return (0, $"Network {net} has been undefined\n\n", "");
            }
            case "net-update":
            {
                var net = Opt(a, "--network");
                if (!Networks.TryGetValue(net, out var n)) return NoNetwork(net);
                var pg = XElement.Parse(Opt(a, "--xml"));
                var targets = new List<XElement>();
                if (a.Contains("--live")) targets.Add(n.Live!);
                if (a.Contains("--config")) targets.Add(n.Persistent);
                foreach (var t in targets)
                {
                    var match = t.Elements("portgroup").FirstOrDefault(p => p.Attribute("name")?.Value == pg.Attribute("name")?.Value);
                    switch (Opt(a, "--command"))
                    {
                        case "delete" when match is null:
                            return (1, "", Fixture("Virsh", "virsh-9.0.0-net-update-missing-portgroup.stderr").Replace("mvm-vlan22", net, StringComparison.Ordinal)
                                .Replace("zzz", pg.Attribute("name")!.Value, StringComparison.Ordinal));
                        case "delete": match!.Remove(); break;
                        case "add-last": t.Add(pg); break;
                    }
                }
                return (0, $"Updated network {net} live state\n\n", "");
            }
            case "list":
                return (0, string.Concat(Domains.Select(d => $"{UuidOf(d.Value)} {d.Key}\n")) + "\n", "");
            case "dumpxml":
            {
                var domain = Opt(a, "--domain");
                return Domains.TryGetValue(domain, out var xml) ? (0, xml, "")
                    : (1, "", Fixture("Virsh", "virsh-9.0.0-dumpxml-missing-domain.stderr").Replace("mvmtest-missing", domain, StringComparison.Ordinal));
            }
            default:
                throw new NotSupportedException("the simulator does not know virsh " + a[0]);
        }
    }

    private static string UuidOf(string domainXml) => XElement.Parse(domainXml).Element("uuid")?.Value ?? Guid.Empty.ToString("D");

    private static string YesNo(bool b) => b ? "yes" : "no";

    private (int, string, string) Ovs(List<string> a)
    {
        var noRow = (string b) => (1, "", Fixture("OvsVsctl", "ovs-vsctl-3.1.0-set-bridge-no-row.stderr").Replace("br-nope", b, StringComparison.Ordinal));
        if (a[0] == "--format=json" && a[1] == "--" && a[3] == "list" && a[4] == "Bridge")
        {
            var b = a[5];
            if (!Bridges.TryGetValue(b, out var ids)) return noRow(b);
            var row = JsonSerializer.Deserialize<JsonElement>(Fixture("OvsVsctl", "ovs-vsctl-3.1.0-list-bridge-external-ids.json"));
            var map = string.Join(",", ids.Select(kv => $"[{JsonSerializer.Serialize(kv.Key)},{JsonSerializer.Serialize(kv.Value)}]"));
            return (0, $$"""{"data":[[["uuid","a6c05ec9-ea96-4263-bf82-973c614f1931"],{{JsonSerializer.Serialize(b)}},"netdev",["set",[]],["set",[]],["map",[{{map}}]],["map",[]]]],"headings":{{row.GetProperty("headings").GetRawText()}}}""" + "\n", "");
        }
        if (a is ["--", "set", "Bridge", var bridge, .. var sets])
        {
            if (!Bridges.TryGetValue(bridge, out var ids)) return noRow(bridge);
            foreach (var s in sets)
            {
                var m = Regex.Match(s, "^external_ids:([^=]+)=(.*)$");
                ids[m.Groups[1].Value] = JsonSerializer.Deserialize<string>(m.Groups[2].Value)!;
            }
            return (0, "", "");
        }
        if (a is ["--", "--if-exists", "remove", "Bridge", var rb, "external_ids", .. var keys])
        {
            if (Bridges.TryGetValue(rb, out var ids)) foreach (var k in keys) ids.Remove(k);
            return (0, "", "");
        }
        throw new NotSupportedException("the simulator does not know ovs-vsctl " + string.Join(' ', a));
    }
}
