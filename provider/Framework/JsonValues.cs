using System.Text.Json;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>JSON to property values, for config objects that arrive JSON-encoded in strings.</summary>
public static class JsonValues
{
    public static PropertyValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => PropertyValue.Null,
        JsonValueKind.True => PropertyValue.Of(true),
        JsonValueKind.False => PropertyValue.Of(false),
        JsonValueKind.Number => PropertyValue.Of(e.GetDouble()),
        JsonValueKind.String => PropertyValue.Of(e.GetString()),
        JsonValueKind.Array => PropertyValue.Of(e.EnumerateArray().Select(FromJson)),
        JsonValueKind.Object =>
            PropertyValue.Of(e.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, FromJson(p.Value)))),
        _ => PropertyValue.Null,
    };
}
