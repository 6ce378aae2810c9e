using System.Globalization;
using System.Text.Json;

namespace Mvm.Tools;

/// <summary>A row of the OVSDB Bridge table (the columns <see cref="OvsVsctl"/> asks for).</summary>
public sealed record OvsBridge(
    string Uuid,
    string Name,
    // "" is the default, the kernel ("system") datapath; the lab needs "netdev" (userspace).
    string DatapathType,
    string? FailMode,
    IReadOnlyList<string> PortUuids,
    IReadOnlyDictionary<string, string> ExternalIds,
    IReadOnlyDictionary<string, string> OtherConfig)
{
    internal const string Columns = "_uuid,name,datapath_type,fail_mode,ports,external_ids,other_config";

    internal static OvsBridge From(OvsRow r) => new(
        r.Uuid("_uuid"), r.String("name"), r.String("datapath_type"), r.OptionalString("fail_mode"),
        r.Uuids("ports"), r.Map("external_ids"), r.Map("other_config"));
}

/// <summary>
/// A row of the Port table. <see cref="Tag"/> is the access VLAN; <see cref="Trunks"/> the VLANs a trunk carries
/// (empty: all).
/// </summary>
public sealed record OvsPort(
    string Uuid,
    string Name,
    int? Tag,
    IReadOnlyList<int> Trunks,
    string? VlanMode,
    IReadOnlyList<string> InterfaceUuids,
    IReadOnlyDictionary<string, string> ExternalIds,
    IReadOnlyDictionary<string, string> OtherConfig)
{
    internal const string Columns = "_uuid,name,tag,trunks,vlan_mode,interfaces,external_ids,other_config";

    internal static OvsPort From(OvsRow r) => new(
        r.Uuid("_uuid"), r.String("name"), r.OptionalInt("tag"), r.Ints("trunks"), r.OptionalString("vlan_mode"),
        r.Uuids("interfaces"), r.Map("external_ids"), r.Map("other_config"));
}

/// <summary>
/// A row of the Interface table. <see cref="Error"/> is set when ovs-vswitchd could not open it (then
/// <see cref="OfPort"/> is -1).
/// </summary>
public sealed record OvsInterface(
    string Uuid,
    string Name,
    // "" is a system (kernel) interface; "internal", "patch", "vxlan" … otherwise.
    string Type,
    int? OfPort,
    string? MacInUse,
    string? AdminState,
    string? LinkState,
    string? Error,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyDictionary<string, string> ExternalIds)
{
    internal const string Columns =
        "_uuid,name,type,ofport,mac_in_use,admin_state,link_state,error,options,external_ids";

    internal static OvsInterface From(OvsRow r) => new(
        r.Uuid("_uuid"), r.String("name"), r.String("type"), r.OptionalInt("ofport"), r.OptionalString("mac_in_use"),
        r.OptionalString("admin_state"), r.OptionalString("link_state"), r.OptionalString("error"), r.Map("options"),
            r.Map("external_ids"));
}

/// <summary>A bridge with its ports and their interfaces resolved (what `ovs-vsctl show` prints, as records).</summary>
public sealed record OvsBridgeDetail(OvsBridge Bridge, IReadOnlyList<OvsPortDetail> Ports)
{
    public OvsPortDetail? FindPort(string name) => Ports.FirstOrDefault(p => p.Port.Name == name);
}

public sealed record OvsPortDetail(OvsPort Port, IReadOnlyList<OvsInterface> Interfaces);

/// <summary>
/// How a port should look after <see cref="OvsVsctl.AddPortAsync"/>. The VLAN settings converge:
/// a null <see cref="Tag"/>, empty <see cref="Trunks"/> or null <see cref="VlanMode"/> clears what
/// the port had. <see cref="InterfaceType"/> and the dictionaries only add or change values.
/// </summary>
public sealed record OvsPortSettings
{
    public int? Tag { get; init; }
    public IReadOnlyList<int> Trunks { get; init; } = [];
    /// <summary>
    /// `access`, `trunk`, `native-tagged`, `native-untagged` or `dot1q-tunnel`; null lets OVS decide from tag/trunks.
    /// </summary>
    public string? VlanMode { get; init; }
    /// <summary>
    /// `internal` for a port with its own host interface; null leaves a system interface (an existing NIC).
    /// </summary>
    public string? InterfaceType { get; init; }
    public IReadOnlyDictionary<string, string>? InterfaceOptions { get; init; }
    public IReadOnlyDictionary<string, string>? ExternalIds { get; init; }
}

/// <summary>
/// One table of `ovs-vsctl --format=json` output: `{"headings": [...], "data": [[...], ...]}`,
/// each cell in the OVSDB JSON datum encoding (RFC 7047 §5.1): an atom (string, number, boolean),
/// `["uuid", u]`, `["set", [atoms]]` or `["map", [[k, v], ...]]`. A set of one element is written
/// as the bare atom, and an empty optional value as `["set", []]`.
/// </summary>
public sealed class OvsTable
{
    private OvsTable(IReadOnlyList<OvsRow> rows) => Rows = rows;

    public IReadOnlyList<OvsRow> Rows { get; }

    /// <summary>
    /// Every table in the output; ovs-vsctl prints one JSON document per line, one per `list`/`find` command.
    /// </summary>
    public static IReadOnlyList<OvsTable> ParseAll(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToList();

    public static OvsTable Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var headings = doc.RootElement.GetProperty("headings").EnumerateArray().Select(h => h.GetString() ?? "")
            .ToList();
        var rows = new List<OvsRow>();
        foreach (var data in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            var cells = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            var i = 0;
            // Clone: the cells outlive the document.
            foreach (var cell in data.EnumerateArray()) cells[headings[i++]] = cell.Clone();
            if (i != headings.Count) throw new
                FormatException($"an OVSDB row has {i} cells for {headings.Count} headings");
            rows.Add(new OvsRow(cells));
        }
        return new OvsTable(rows);
    }
}

/// <summary>One OVSDB row; typed accessors decode the datum encoding of a column.</summary>
public sealed class OvsRow(IReadOnlyDictionary<string, JsonElement> cells)
{
    public IReadOnlyCollection<string> Columns => cells.Keys.ToList();

    private JsonElement Cell(string column) =>
        cells.TryGetValue(column, out var v) ? v : throw new FormatException($"the OVSDB row has no column {column}");

    /// <summary>The atoms of a column: a bare atom is a set of one, `["set", [...]]` a set of any size.</summary>
    public static IReadOnlyList<JsonElement> Atoms(JsonElement datum)
    {
        if (datum.ValueKind == JsonValueKind.Array && datum.GetArrayLength() == 2 && datum[0].GetString() == "set")
            return datum[1].EnumerateArray().ToList();
        if (datum.ValueKind == JsonValueKind.Array && datum.GetArrayLength() == 2 && datum[0].GetString() == "map")
            throw new FormatException("an OVSDB map where a set or atom was expected");
        return [datum];
    }

    /// <summary>
    /// An atom as text: strings as they are, numbers and booleans as JSON writes them, `["uuid", u]` as u.
    /// </summary>
    public static string AtomText(JsonElement atom) => atom.ValueKind switch
    {
        JsonValueKind.String => atom.GetString()!,
        JsonValueKind.Number => atom.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array when atom.GetArrayLength() == 2 && atom[0].GetString() is "uuid" or "named-uuid" =>
            atom[1].GetString()!,
        _ => throw new FormatException($"not an OVSDB atom: {atom.GetRawText()}"),
    };

    public string String(string column) => OptionalString(column) ?? "";

    public string? OptionalString(string column) => Atoms(Cell(column)) switch
    {
        [] => null,
        [var one] => AtomText(one),
        var many => throw new FormatException($"column {column} holds {many.Count} values where one was expected"),
    };

    public string Uuid(string column) =>
        OptionalString(column) ?? throw new FormatException($"column {column} is empty");

    public IReadOnlyList<string> Uuids(string column) => Atoms(Cell(column)).Select(AtomText).ToList();

    public int? OptionalInt(string column) =>
        OptionalString(column) is { } s ? int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
        : null;

    public IReadOnlyList<int> Ints(string column) =>
        Atoms(Cell(column))
            .Select(a => int.Parse(AtomText(a), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ToList();

    public IReadOnlyDictionary<string, string> Map(string column)
    {
        var datum = Cell(column);
        if (datum.ValueKind != JsonValueKind.Array || datum.GetArrayLength() != 2 || datum[0].GetString() != "map")
            throw new FormatException($"column {column} is not an OVSDB map: {datum.GetRawText()}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in datum[1].EnumerateArray()) map[AtomText(pair[0])] = AtomText(pair[1]);
        return map;
    }
}
