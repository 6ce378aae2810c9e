using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Tests.Unit.Framework;

[EnumType("SampleMode", "A sample enum.")]
public enum SampleMode
{
    [EnumValue("fast", "Fast.")] Fast,
    [EnumValue("safe", "Safe.")] Safe,
}

[ObjectType("SampleHost", "A sample host.")]
public sealed class SampleHost
{
    [Input("Name.", Required = true)] public string? Name { get; set; }
    [Input("Port.", Default = 22)] public int? Port { get; set; }
    [Input("Disks.")] public List<string>? Disks { get; set; }
    [Input("Key.", Secret = true)] public string? Key { get; set; }
}

public class SampleArgs
{
    [Input("Id-like name.", Required = true, ReplaceOnChanges = true)] public string? Name { get; set; }
    [Input("Count.")] public int? Count { get; set; }
    [Input("Ratio.")] public double? Ratio { get; set; }
    [Input("Mode.", Default = "safe")] public SampleMode? Mode { get; set; }
    [Input("Hosts, keyed by name.", ListKey = "name")] public List<SampleHost>? Hosts { get; set; }
    [Input("Plain list.")] public List<string>? Tags { get; set; }
    [Input("Labels.")] public Dictionary<string, string>? Labels { get; set; }
    [Input("Secret.", Secret = true)] public string? Password { get; set; }
}

public sealed class SampleState : SampleArgs
{
    [Output("Computed id.", Always = true, Stable = true)] public string? Uuid { get; set; }
    [Output("Health.")] public string? Health { get; set; }
}
