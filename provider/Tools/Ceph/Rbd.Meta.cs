using System.Text.Json;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>Image metadata (`rbd image-meta`) and space used (`rbd du`).</summary>
public sealed partial class Rbd
{
    /// <summary>
    /// `rbd image-meta list`: every key and value. rbd prints nothing at all for an image without metadata.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ImageMetaListAsync(RbdImageRef image, CancellationToken ct)
    {
        var r = await RunAsync(["image-meta", "list", .. Spec(image), "--format", "json"], CommandTimeout, ct)
            .ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image);
        return ParseImageMeta(r.StdoutText);
    }

    /// <summary>
    /// Sets each key (`rbd image-meta set`) and removes those whose value is null (`rbd image-meta
    /// remove`; a key already absent is fine), all in one round trip; stops at the first failure.
    /// </summary>
    public async Task ImageMetaSetAsync(RbdImageRef image, IReadOnlyDictionary<string, string?> values,
        CancellationToken ct)
    {
        if (values.Count == 0) return;
        // Every command runs: a removal of an absent key must not stop the settings after it.
        var script = new RemoteScript { StopOnFailure = false };
        var removals = new HashSet<int>();
        foreach (var (key, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (value is null) removals.Add(script.Count);
            script.Add(value is null ? Argv(["image-meta", "remove", .. Spec(image), MetaKey(key)])
                : Argv(["image-meta", "set", .. Spec(image), MetaKey(key), value]));
        }
        var all = await script.RunAsync(_host, CommandTimeout, ct).ConfigureAwait(false);
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i] is not { } r) continue;
            if (r.ExitCode == 127) throw new ToolMissingException(_host.Name, Tool, "ceph-common");
            CephFailure.ThrowIfUnreachable(r, Tool);
            // "failed to remove metadata … (2) No such file or directory" for a key that is not there; the image itself
            // was opened.
            if (r.ExitCode == CephErrno.ENOENT && removals.Contains(i)
                && !r.StderrText.Contains("error opening", StringComparison.Ordinal)) continue;
            if (r.ExitCode != 0) throw Error(r, image);
        }
    }

    /// <summary>
    /// `rbd du`: the bytes the image and its snapshots occupy in the pool before replication
    /// (only written extents count), and its provisioned size.
    /// </summary>
    public async Task<RbdDiskUsage> DiskUsageAsync(RbdImageRef image, CancellationToken ct)
    {
        var r = await RunAsync(["du", .. Spec(image), "--format", "json"], CommandTimeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Error(r, image);
        return ParseDiskUsage(r.StdoutText, image.Image);
    }

    // Keys are the provider's own (`mvm.sha256`): a fixed alphabet keeps them argv-safe and greppable.
    private static string MetaKey(string key) =>
        key.Length > 0 && key[0] != '-' && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? key
            : throw new ArgumentException($"\"{key}\" is not an image metadata key (letters, digits, '.', '_' or '-')",
                nameof(key));

    public static IReadOnlyDictionary<string, string> ParseImageMeta(string json)
    {
        if (string.IsNullOrWhiteSpace(json)) return new Dictionary<string, string>();
        using var doc = CephJson.Parse(json, "rbd image-meta list");
        return doc.RootElement.EnumerateObject()
            .ToDictionary(p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
    }

    /// <summary>One row per snapshot and one for the head; the image occupies their sum.</summary>
    public static RbdDiskUsage ParseDiskUsage(string json, string image)
    {
        using var doc = CephJson.Parse(json, "rbd du");
        long provisioned = 0, used = 0;
        foreach (var row in doc.RootElement.GetProperty("images").EnumerateArray().Where(r => r.Str("name") == image))
        {
            if (row.Str("snapshot") is null) provisioned = row.Long("provisioned_size");
            used += row.Long("used_size");
        }
        return new RbdDiskUsage(provisioned, used);
    }
}

/// <summary>`rbd du` of one image: its size and the bytes it and its snapshots occupy (before replication).</summary>
public sealed record RbdDiskUsage(long ProvisionedBytes, long UsedBytes);
