using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// ovs-vsctl on a host. Changes are idempotent (`--may-exist`, `--if-exists`, and `set`/`clear`
/// in the same transaction so an existing port converges to the asked VLAN settings); records are
/// read as `--format=json` tables and decoded into <see cref="OvsBridge"/>, <see cref="OvsPort"/>
/// and <see cref="OvsInterface"/>. "no bridge named", "no port named" and "no row … in table"
/// raise <see cref="ObjectNotFoundException"/>.
/// </summary>
public sealed partial class OvsVsctl(IHost host)
{
    /// <summary>
    /// Creates the bridge if it does not exist and sets its datapath type and external ids either way.
    /// </summary>
    public async Task AddBridgeAsync(string bridge, string? datapathType, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? externalIds = null) =>
        await RunAsync(AddBridgeArgv(bridge, datapathType, externalIds, timeout), timeout, ct).ConfigureAwait(false);

    /// <summary>
    /// Deletes the bridge and its ports; with <paramref name="ifExists"/> a missing bridge is not an error.
    /// </summary>
    public async Task DeleteBridgeAsync(string bridge, bool ifExists, TimeSpan timeout, CancellationToken ct) =>
        await RunAsync(Command(timeout, Ifs(ifExists, ["del-br", ValidName(bridge)])), timeout, ct)
            .ConfigureAwait(false);

    /// <summary>
    /// Adds the port to the bridge if it is not there, and in the same transaction brings its VLAN
    /// settings, interface type and external ids to <paramref name="settings"/>. A port that
    /// exists on another bridge is an error (OVS reports it), never moved silently.
    /// </summary>
    public async Task AddPortAsync(string bridge, string port, OvsPortSettings settings, TimeSpan timeout,
        CancellationToken ct) =>
        await RunAsync(AddPortArgv(bridge, port, settings, timeout), timeout, ct).ConfigureAwait(false);

    /// <summary>
    /// Removes a port (from <paramref name="bridge"/> when given, which OVS then checks); <paramref name="ifExists"/>
    /// tolerates a missing one.
    /// </summary>
    public async Task DeletePortAsync(string port, string? bridge, bool ifExists, TimeSpan timeout,
        CancellationToken ct) =>
        await
            RunAsync(Command(timeout,
            Ifs(ifExists,
            bridge is null ? ["del-port", ValidName(port)] : ["del-port", ValidName(bridge), ValidName(port)])),
            timeout, ct)
            .ConfigureAwait(false);

    public async Task<bool> BridgeExistsAsync(string bridge, TimeSpan timeout, CancellationToken ct)
    {
        var result = await host.RunAsync(Command(timeout, ["br-exists", ValidName(bridge)]), null, timeout, ct)
            .ConfigureAwait(false);
        // br-exists answers through its exit code: 0 yes, 2 no.
        if (result.ExitCode == 2) return false;
        Check(result);
        return true;
    }

    /// <summary>Bridge names (`list-br`).</summary>
    public async Task<IReadOnlyList<string>> ListBridgesAsync(TimeSpan timeout, CancellationToken ct) =>
        Lines((await RunAsync(Command(timeout, ["list-br"]), timeout, ct).ConfigureAwait(false)).StdoutText);

    /// <summary>Port names on a bridge (`list-ports`), without the bridge's own internal port.</summary>
    public async Task<IReadOnlyList<string>> ListPortsAsync(string bridge, TimeSpan timeout, CancellationToken ct) =>
        Lines((await RunAsync(Command(timeout, ["list-ports", ValidName(bridge)]), timeout, ct).ConfigureAwait(false))
            .StdoutText);

    /// <summary>Every bridge record.</summary>
    public async Task<IReadOnlyList<OvsBridge>> ListBridgeRecordsAsync(TimeSpan timeout, CancellationToken ct) =>
        (await ReadAsync(Json(timeout, List("Bridge", OvsBridge.Columns)), timeout, ct)
            .ConfigureAwait(false))[0].Rows.Select(OvsBridge.From).ToList();

    /// <summary>A bridge with its ports and their interfaces, read in one ovs-vsctl transaction.</summary>
    public async Task<OvsBridgeDetail> GetBridgeAsync(string bridge, TimeSpan timeout, CancellationToken ct)
    {
        var tables = await ReadAsync(GetBridgeArgv(bridge, timeout), timeout, ct).ConfigureAwait(false);
        return BridgeDetail(tables);
    }

    public async Task<OvsPort> GetPortAsync(string port, TimeSpan timeout, CancellationToken ct) =>
        OvsPort.From(Single(await ReadAsync(Json(timeout, List("Port", OvsPort.Columns, ValidName(port))), timeout, ct)
            .ConfigureAwait(false)));

    public async Task<OvsInterface> GetInterfaceAsync(string name, TimeSpan timeout, CancellationToken ct) =>
        OvsInterface.From(Single(await
            ReadAsync(Json(timeout, List("Interface", OvsInterface.Columns, ValidName(name))), timeout, ct)
            .ConfigureAwait(false)));

    /// <summary>Ports whose access VLAN is <paramref name="tag"/> (`find Port tag=N`), on any bridge.</summary>
    public async Task<IReadOnlyList<OvsPort>> FindPortsByTagAsync(int tag, TimeSpan timeout, CancellationToken ct) =>
        (await ReadAsync(Json(timeout, Find("Port", OvsPort.Columns, "tag=" + Vlan(tag))), timeout, ct)
            .ConfigureAwait(false))[0].Rows.Select(OvsPort.From).ToList();

    /// <summary>
    /// Ports carrying external_ids:<paramref name="key"/>=<paramref name="value"/>, e.g. the ones the provider
    /// labelled.
    /// </summary>
    public async Task<IReadOnlyList<OvsPort>> FindPortsByExternalIdAsync(string key, string value, TimeSpan timeout,
        CancellationToken ct) =>
        (await ReadAsync(Json(timeout, Find("Port", OvsPort.Columns, $"external_ids:{ValidKey(key)}={Quote(value)}")),
            timeout, ct).ConfigureAwait(false))[0]
            .Rows.Select(OvsPort.From).ToList();

    // ---- argv ----

    internal static string[] AddBridgeArgv(string bridge, string? datapathType,
        IReadOnlyDictionary<string, string>? externalIds, TimeSpan timeout)
    {
        ValidName(bridge);
        var set = new List<string>();
        if (datapathType is not null) set.Add("datapath_type=" + ValidWord(datapathType, "datapath type"));
        set.AddRange(ExternalIds(externalIds));
        var commands = new List<string> { "--may-exist", "add-br", bridge };
        if (set.Count > 0) commands.AddRange(["--", "set", "Bridge", bridge, .. set]);
        return Command(timeout, commands);
    }

    internal static string[] AddPortArgv(string bridge, string port, OvsPortSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ValidName(bridge);
        ValidName(port);
        var commands = new List<string> { "--may-exist", "add-port", bridge, port };
        // --may-exist ignores column settings given to add-port itself, so they are set (or
        // cleared) as separate commands in the same transaction: an existing port converges too.
        var set = new List<string>();
        var clear = new List<string>();
        if (settings.Tag is { } tag) set.Add("tag=" + Vlan(tag));
        else clear.Add("tag");
        if (settings.Trunks.Count > 0) set.Add("trunks=" + string.Join(',', settings.Trunks.Select(Vlan)));
        else clear.Add("trunks");
        if (settings.VlanMode is { } mode) set.Add("vlan_mode=" + ValidWord(mode, "VLAN mode"));
        else clear.Add("vlan_mode");
        set.AddRange(ExternalIds(settings.ExternalIds));
        // `set` and `clear` each need at least one column.
        if (set.Count > 0) commands.AddRange(["--", "set", "Port", port, .. set]);
        if (clear.Count > 0) commands.AddRange(["--", "clear", "Port", port, .. clear]);
        var iface = new List<string>();
        if (settings.InterfaceType is { } type) iface.Add("type=" + ValidWord(type, "interface type"));
        foreach (var (k, v) in settings.InterfaceOptions ?? new Dictionary<string, string>())
            iface.Add($"options:{ValidKey(k)}={Quote(v)}");
        if (iface.Count > 0) commands.AddRange(["--", "set", "Interface", port, .. iface]);
        return Command(timeout, commands);
    }

    internal static string[] GetBridgeArgv(string bridge, TimeSpan timeout) =>
        Json(timeout,
            [.. List("Bridge", OvsBridge.Columns, ValidName(bridge)), "--", .. List("Port", OvsPort.Columns), "--",
            .. List("Interface", OvsInterface.Columns)]);

    /// <summary>
    /// `ovs-vsctl [--timeout=N] -- commands…`. OVS's own timeout fires before the transport's, so a stuck ovsdb gives
    /// OVS's message.
    /// </summary>
    internal static string[] Command(TimeSpan timeout, IReadOnlyList<string> commands) =>
        [.. Global(timeout), "--", .. commands];

    private static string[] Json(TimeSpan timeout, IReadOnlyList<string> commands) =>
        [.. Global(timeout), "--format=json", "--", .. commands];

    private static List<string> Global(TimeSpan timeout)
    {
        var argv = new List<string> { "ovs-vsctl" };
        if (timeout != Timeout.InfiniteTimeSpan && timeout >= TimeSpan.FromSeconds(2))
            argv.Add("--timeout=" + ((int)Math.Min(int.MaxValue, timeout.TotalSeconds - 1))
                .ToString(CultureInfo.InvariantCulture));
        return argv;
    }

    private static string[] List(string table, string columns, string? record = null) =>
        record is null ? ["--columns=" + columns, "list", table] : ["--columns=" + columns, "list", table, record];

    private static string[] Find(string table, string columns, string condition) =>
        ["--columns=" + columns, "find", table, condition];

    private static string[] Ifs(bool ifExists, string[] command) => ifExists ? ["--if-exists", .. command] : command;

    private static IEnumerable<string> ExternalIds(IReadOnlyDictionary<string, string>? ids) =>
        (ids ?? new Dictionary<string, string>()).Select(kv => $"external_ids:{ValidKey(kv.Key)}={Quote(kv.Value)}");

    /// <summary>
    /// A string value in ovs-vsctl's own syntax. Unquoted, `,`, `=`, `{`, spaces and the like
    /// would be parsed as structure; OVS reads a double-quoted value as a JSON string, so any text
    /// survives as one value.
    /// </summary>
    internal static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";
    }

    internal static string Vlan(int vlan) =>
        vlan is >= 0 and <= 4095 ? vlan.ToString(CultureInfo.InvariantCulture)
            : throw new ArgumentOutOfRangeException(nameof(vlan), vlan, "a VLAN id is 0..4095");

    // Bridge and port names become Linux interface names for internal ports: at most 15 bytes
    // (IFNAMSIZ), and no '/' (ovs-vswitchd fails to create "a/b" even though ovs-vsctl accepts it).
    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.\-]{0,14}\z")]
    private static partial Regex Name();

    internal static string ValidName(string name) =>
        name is not null && Name().IsWholeMatch(name) ? name
            : throw new
                ArgumentException($"\"{name}\" is not a valid OVS bridge/port name (1-15 letters, digits, '_', '.', " +
                "'-'; not starting with '-' or '.')", nameof(name));

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.\-]*\z")]
    private static partial Regex Key();

    private static string ValidKey(string key) =>
        key is not null
            && Key().IsWholeMatch(key) ? key
            : throw new ArgumentException($"\"{key}\" is not a valid OVSDB map key (letters, digits, '_', '.', '-')",
            nameof(key));

    private static string ValidWord(string word, string what) =>
        word is not null
            && Key().IsWholeMatch(word) ? word
            : throw new ArgumentException($"\"{word}\" is not a valid {what}", nameof(word));

    // ---- parsing ----

    /// <summary>
    /// Joins the three tables of <see cref="GetBridgeArgv"/> (Bridge, Port, Interface) into one bridge with its ports.
    /// </summary>
    internal static OvsBridgeDetail BridgeDetail(IReadOnlyList<OvsTable> tables)
    {
        if (tables.Count != 3) throw new FormatException($"expected 3 OVSDB tables, got {tables.Count}");
        var bridge = OvsBridge.From(Single(tables));
        var ports = tables[1].Rows.Select(OvsPort.From).ToDictionary(p => p.Uuid);
        var interfaces = tables[2].Rows.Select(OvsInterface.From).ToDictionary(i => i.Uuid);
        // The order of the bridge's port set is OVSDB's (uuid order); name order is what people expect.
        return new OvsBridgeDetail(bridge, bridge.PortUuids
            .Select(u =>
                ports.TryGetValue(u, out var p) ? p
                : throw new FormatException($"bridge {bridge.Name} names port {u}, which the Port table does not list"))
            .Select(p =>
                new OvsPortDetail(p,
                p.InterfaceUuids.Where(interfaces.ContainsKey).Select(u => interfaces[u]).ToList()))
            .OrderBy(p => p.Port.Name, StringComparer.Ordinal)
            .ToList());
    }

    private static OvsRow Single(IReadOnlyList<OvsTable> tables) => tables[0].Rows switch
    {
        [var one] => one,
        var rows => throw new FormatException($"expected one OVSDB row, got {rows.Count}"),
    };

    private static IReadOnlyList<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<IReadOnlyList<OvsTable>> ReadAsync(string[] argv, TimeSpan timeout, CancellationToken ct) =>
        OvsTable.ParseAll((await RunAsync(argv, timeout, ct).ConfigureAwait(false)).StdoutText);

    private async Task<CommandResult> RunAsync(string[] argv, TimeSpan timeout, CancellationToken ct) =>
        Check(await host.RunAsync(argv, null, timeout, ct).ConfigureAwait(false));

    [GeneratedRegex(@"no (?<kind>bridge|port) named (?<name>\S+)|no row ""(?<name>[^""]*)"" in table (?<table>\w+)")]
    private static partial Regex NotFound();

    /// <summary>Maps a failed ovs-vsctl to the provider's typed errors; returns the result when it succeeded.</summary>
    internal static CommandResult Check(CommandResult result)
    {
        if (result.ExitCode == 0) return result;
        if (result.ExitCode == 127) throw new ToolMissingException(result.Host, "ovs-vsctl", "openvswitch-switch");
        if (NotFound().Match(result.StderrText) is { Success: true } m)
        {
            var kind = m.Groups["kind"].Success ? m.Groups["kind"].Value : m.Groups["table"].Value.ToLowerInvariant();
            throw new ObjectNotFoundException(result.Host, "ovs-vsctl", kind, m.Groups["name"].Value, m.Value);
        }
        return result.EnsureSuccess();
    }
}
