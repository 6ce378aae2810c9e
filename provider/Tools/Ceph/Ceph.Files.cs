namespace Mvm.Tools;

// Ceph commands whose answer goes to a file on the host (`-o PATH`), never through the provider:
// keyrings and maps that a daemon set up next to them reads. No `-f json`: the file is the output.
public sealed partial class Ceph
{
    /// <summary>`ceph auth get ENTITY -o PATH`: the entity's keyring into a file on the host.</summary>
    public ToolCall<bool> AuthGetToFileCall(string entity, string path) =>
        FileCall(["auth", "get", CheckName(entity, "entity"), "-o", CephKeyrings.Path(path)]);

    /// <summary>`ceph mon getmap -o PATH`: the current monitor map into a file on the host.</summary>
    public ToolCall<bool> MonGetMapToFileCall(string path) =>
        FileCall(["mon", "getmap", "-o", CephKeyrings.Path(path)]);

    /// <summary>
    /// `ceph auth get-or-create ENTITY SERVICE CAPS… -o PATH`: the entity's keyring (made with these
    /// caps when it is new) into a file on the host.
    /// </summary>
    public ToolCall<bool> AuthGetOrCreateToFileCall(string entity, IReadOnlyList<(string Service, string Caps)> caps,
        string path)
    {
        var command = new List<string> { "auth", "get-or-create", CheckName(entity, "entity") };
        foreach (var (service, cap) in caps) command.AddRange([CheckName(service, "service"), cap]);
        command.AddRange(["-o", CephKeyrings.Path(path)]);
        return FileCall([.. command]);
    }

    // Read as the bootstrap steps always read them: any failure is the command's own error.
    private ToolCall<bool> FileCall(string[] command) =>
        new([Tool, .. Context.CephOptions(), .. command], null, r => r.EnsureSuccess() is not null);
}
