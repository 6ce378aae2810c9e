using Mvm.Transport;

namespace Mvm.Tools;

// Bridge external ids: the provider labels a bridge with what it put there (e.g. one key per
// VLAN port group), so `ovs-vsctl list Bridge` on a host shows it without libvirt.
public sealed partial class OvsVsctl
{
    internal static string[] SetBridgeExternalIdsArgv(string bridge, IReadOnlyDictionary<string, string> ids,
        TimeSpan timeout)
    {
        if (ids.Count == 0) throw new ArgumentException("no external ids to set", nameof(ids));
        return Command(timeout, ["set", "Bridge", ValidName(bridge), .. ExternalIds(ids)]);
    }

    internal static string[] RemoveBridgeExternalIdsArgv(string bridge, IReadOnlyList<string> keys, TimeSpan timeout)
    {
        if (keys.Count == 0) throw new ArgumentException("no external ids to remove", nameof(keys));
        // `remove` of a map key that is not there is a no-op; --if-exists covers the bridge itself.
        return Command(timeout,
            ["--if-exists", "remove", "Bridge", ValidName(bridge), "external_ids", .. keys.Select(ValidKey)]);
    }

    internal static string[] FindBridgeArgv(string bridge, TimeSpan timeout) =>
        Json(timeout, List("Bridge", OvsBridge.Columns, ValidName(bridge)));

    /// <summary>Reads a `list Bridge NAME` result: null for "no row", else the one record.</summary>
    internal static OvsBridge? ReadBridge(CommandResult result)
    {
        try
        {
            return OvsBridge.From(Single(OvsTable.ParseAll(Check(result).StdoutText)));
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    // The same commands as ToolCalls for a ToolBatch (same argv and error mapping).

    /// <summary>The bridge's record, or null when it does not exist.</summary>
    public static ToolCall<OvsBridge?> FindBridge(string bridge, TimeSpan timeout) =>
        new(FindBridgeArgv(bridge, timeout), null, ReadBridge);

    public static ToolCall<bool> SetBridgeExternalIds(string bridge, IReadOnlyDictionary<string, string> ids,
        TimeSpan timeout) =>
        new(SetBridgeExternalIdsArgv(bridge, ids, timeout), null, r => Check(r) is not null);

    public static ToolCall<bool> RemoveBridgeExternalIds(string bridge, IReadOnlyList<string> keys, TimeSpan timeout) =>
        new(RemoveBridgeExternalIdsArgv(bridge, keys, timeout), null, r => Check(r) is not null);
}
