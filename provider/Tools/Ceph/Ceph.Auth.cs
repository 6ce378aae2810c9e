namespace Mvm.Tools;

public sealed partial class Ceph
{
    /// <summary>
    /// `ceph auth get-or-create ENTITY CAPS…` then `ceph auth get-key ENTITY`: the entity's cephx
    /// key (base64). Existing entities keep their key and caps. The key is a secret: callers must
    /// register it with the scrubber before it can reach a message.
    /// </summary>
    public async Task<string> AuthGetOrCreateKeyAsync(string entity, IReadOnlyList<(string Service, string Caps)> caps,
        CancellationToken ct)
    {
        var argv = new List<string> { "auth", "get-or-create", CheckName(entity, "entity") };
        foreach (var (service, cap) in caps) argv.AddRange([CheckName(service, "service"), cap]);
        var r = await RunAsync([.. argv], ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw CephFailure.Failed(r);
        var key = await RunCheckedAsync(["auth", "get-key", entity], "entity", entity, ct).ConfigureAwait(false);
        using var doc = CephJson.Parse(key.StdoutText, "ceph auth get-key");
        return doc.RootElement.Str("key") ?? throw new FormatException($"`ceph auth get-key {entity}` printed no key");
    }
}
