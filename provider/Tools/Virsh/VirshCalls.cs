using System.Text;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// virsh commands as <see cref="ToolCall{T}"/>s, to be sent with others in one
/// <see cref="ToolBatch"/>: the same argv and error mapping as the <see cref="Virsh"/> methods,
/// with "not found" read as null/false where a caller asks "is it there?".
/// </summary>
public static class VirshCalls
{
    /// <summary>
    /// `virsh -c qemu:///system version`, its result as it came (no `env LC_ALL=C`: only the exit code
    /// is read): exit 0 once libvirtd answers, which a start is waited for by.
    /// </summary>
    public static ToolCall<CommandResult> Version() => new(["virsh", "-c", Virsh.SystemUri, "version"], null, r => r);

    /// <summary>
    /// `net-dumpxml`; null when the network does not exist. <paramref name="inactive"/> reads the persistent
    /// definition.
    /// </summary>
    public static ToolCall<NetworkXml?> NetDumpXml(string network, bool inactive = false) =>
        Call(inactive ? ["net-dumpxml", "--network", network, "--inactive"] : ["net-dumpxml", "--network", network],
            null,
            r =>
                Missing(r, VirshObject.Network(network)) ? null
                : NetworkXml.Parse(Checked(r, VirshObject.Network(network)).StdoutText));

    /// <summary>`net-info`; null when the network does not exist.</summary>
    public static ToolCall<NetworkInfo?> NetInfo(string network) =>
        Call(["net-info", "--network", network], null,
            r =>
                Missing(r, VirshObject.Network(network)) ? null
                : VirshOutput.ParseNetInfo(Checked(r, VirshObject.Network(network)).StdoutText));

    /// <summary>
    /// `net-define` with the XML on stdin; redefining an existing network replaces its persistent definition.
    /// </summary>
    public static ToolCall<bool> NetDefine(NetworkXml network) =>
        Call(["net-define", "--file", Virsh.Stdin, "--validate"], Encoding.UTF8.GetBytes(network.ToXml()),
            r => Checked(r, null) is not null);

    /// <summary>`net-start`; false when it was already active.</summary>
    public static ToolCall<bool> NetStart(string network) =>
        Call(["net-start", "--network", network], null,
            r => Unless(r, VirshObject.Network(network), "network is already active"));

    public static ToolCall<bool> NetAutostart(string network) =>
        Call(["net-autostart", "--network", network], null, r => Checked(r, VirshObject.Network(network)) is not null);

    /// <summary>
    /// `net-update NET COMMAND portgroup XML` on the live network (<paramref name="live"/>), its
    /// persistent definition (<paramref name="config"/>) or both: changes a port group of a running
    /// network without restarting it, so the VMs on it keep their ports. <paramref name="command"/>
    /// is `add-last`, `modify` (matched by name) or `delete`.
    /// </summary>
    public static ToolCall<bool> NetUpdatePortGroup(string network, string command, PortGroupSpec portGroup, bool live,
        bool config)
    {
        if (command is not ("add-last" or "modify" or "delete")) throw new
            ArgumentException($"net-update command {command} is not add-last, modify or delete", nameof(command));
        if (!live && !config) throw new ArgumentException("net-update needs --live, --config or both");
        var args = new List<string> { "net-update", "--network", network, "--command", command, "--section",
            "portgroup", "--xml", NetworkXml.PortGroupXml(portGroup) };
        if (live) args.Add("--live");
        if (config) args.Add("--config");
        return Call([.. args], null, r => Checked(r, VirshObject.Network(network)) is not null);
    }

    /// <summary>`net-destroy`; false when it was not active or does not exist.</summary>
    public static ToolCall<bool> NetDestroy(string network) =>
        Call(["net-destroy", "--network", network], null,
            r =>
                !Missing(r, VirshObject.Network(network))
                && Unless(r, VirshObject.Network(network), $"network '{network}' is not active"));

    /// <summary>`net-undefine`; false when it did not exist.</summary>
    public static ToolCall<bool> NetUndefine(string network) =>
        Call(["net-undefine", "--network", network], null,
            r => !Missing(r, VirshObject.Network(network)) && Checked(r, VirshObject.Network(network)) is not null);

    /// <summary>`list --all --uuid --name`: every domain, running or not.</summary>
    public static ToolCall<IReadOnlyList<DomainListEntry>> List() =>
        Call(["list", "--all", "--uuid", "--name"], null,
            r => VirshOutput.ParseListUuidName(Checked(r, null).StdoutText));

    /// <summary>`dumpxml`; null when the domain is gone (undefined between a list and this).</summary>
    public static ToolCall<DomainXml?> DumpXml(string domain, bool inactive = false) =>
        Call(inactive ? ["dumpxml", "--domain", domain, "--inactive"] : ["dumpxml", "--domain", domain], null,
            r =>
                Missing(r, VirshObject.Domain(domain)) ? null
                : DomainXml.Parse(Checked(r, VirshObject.Domain(domain)).StdoutText));

    private static ToolCall<T> Call<T>(string[] args, byte[]? stdin, Func<CommandResult, T> read) =>
        new([.. Virsh.Prefix, .. args], stdin, read);

    private static CommandResult Checked(CommandResult r, VirshObject? target)
    {
        if (r.ExitCode != 0) VirshErrors.Throw(r.Host, r, target);
        return r;
    }

    private static bool Unless(CommandResult r, VirshObject target, string benign)
    {
        if (r.ExitCode == 0) return true;
        if (VirshErrors.Says(r, benign)) return false;
        VirshErrors.Throw(r.Host, r, target);
        return false;
    }

    private static bool Missing(CommandResult r, VirshObject target) =>
        r.ExitCode != 0 && VirshErrors.Classify(r.Host, r, target) is ObjectNotFoundException;
}
