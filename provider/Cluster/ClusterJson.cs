using System.Text.Json.Serialization;

namespace Mvm.Cluster;

/// <summary>
/// The JSON forms of the connect string and of member registry entries, generated at build time:
/// reflection-based serialization is not available to the Native AOT plugin. camelCase names and
/// no nulls, as these records have always been written (connect strings in users' states decode).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(ClusterMember))]
internal sealed partial class ClusterJson : JsonSerializerContext;
