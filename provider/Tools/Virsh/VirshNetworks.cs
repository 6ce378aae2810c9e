namespace Mvm.Tools;

// libvirt networks: the provider defines one per OVS bridge, with a port group per compute VLAN.
public sealed partial class Virsh
{
    public Task NetDefineAsync(NetworkXml network, bool validate = true, CancellationToken ct = default) =>
        NetDefineAsync(network.ToXml(), validate, ct);

    /// <summary>
    /// `virsh net-define` (XML on stdin); redefining an existing network by name replaces its definition.
    /// </summary>
    public async Task NetDefineAsync(string networkXml, bool validate = true, CancellationToken ct = default)
    {
        string[] args = validate ? ["net-define", "--file", Stdin, "--validate"] : ["net-define", "--file", Stdin];
        await RunAsync(args, null, ct, Utf8(networkXml)).ConfigureAwait(false);
    }

    /// <summary>`virsh net-start`. Returns false when it was already active.</summary>
    public Task<bool> NetStartAsync(string network, CancellationToken ct = default) =>
        RunUnlessAsync(["net-start", "--network", network], VirshObject.Network(network), "network is already active",
            ct);

    /// <summary>`virsh net-autostart [--disable]`: whether libvirtd starts it at boot.</summary>
    public async Task NetAutostartAsync(string network, bool enable = true, CancellationToken ct = default)
    {
        string[] args = enable ? ["net-autostart", "--network", network]
            : ["net-autostart", "--network", network, "--disable"];
        await RunAsync(args, VirshObject.Network(network), ct).ConfigureAwait(false);
    }

    /// <summary>`virsh net-list --all --name`: every network, active or not.</summary>
    public async Task<IReadOnlyList<string>> NetListAsync(CancellationToken ct = default)
    {
        var result = await RunAsync(["net-list", "--all", "--name"], null, ct).ConfigureAwait(false);
        return VirshOutput.ParseNames(result.StdoutText);
    }

    public async Task<NetworkInfo> NetInfoAsync(string network, CancellationToken ct = default)
    {
        var result = await RunAsync(["net-info", "--network", network], VirshObject.Network(network), ct)
            .ConfigureAwait(false);
        return VirshOutput.ParseNetInfo(result.StdoutText);
    }

    public async Task<NetworkXml> NetDumpXmlAsync(string network, bool inactive = false, CancellationToken ct = default)
    {
        string[] args = inactive ? ["net-dumpxml", "--network", network, "--inactive"]
            : ["net-dumpxml", "--network", network];
        var result = await RunAsync(args, VirshObject.Network(network), ct).ConfigureAwait(false);
        return NetworkXml.Parse(result.StdoutText);
    }

    /// <summary>`virsh net-destroy` (stops it; the definition stays). Returns false when it was not active.</summary>
    public Task<bool> NetDestroyAsync(string network, CancellationToken ct = default) =>
        RunUnlessAsync(["net-destroy", "--network", network], VirshObject.Network(network),
            $"network '{network}' is not active", ct);

    public async Task NetUndefineAsync(string network, CancellationToken ct = default) =>
        await RunAsync(["net-undefine", "--network", network], VirshObject.Network(network), ct).ConfigureAwait(false);
}
