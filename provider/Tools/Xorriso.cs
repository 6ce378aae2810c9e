namespace Mvm.Tools;

/// <summary>
/// xorriso in its mkisofs mode: an ISO 9660 volume from files on the host (the cloud-init NoCloud
/// seed). Chosen over genisoimage because it is a small package (genisoimage brings a 7 MB
/// libmagic database).
/// </summary>
public static class Xorriso
{
    /// <summary>
    /// `xorriso -as mkisofs -quiet -output OUT -V LABEL -J -r FILE…`: Joliet and Rock Ridge names,
    /// so each file keeps its name (`meta-data`, `user-data`) at the root of the volume.
    /// </summary>
    public static ToolCall<bool> MakeIsoCall(string output, string volumeId, IReadOnlyList<string> files)
    {
        if (files.Count == 0) throw new ArgumentException("an ISO needs at least one file", nameof(files));
        // An ISO 9660 volume id is at most 32 characters; these are the ones every reader takes.
        if (volumeId.Length is 0 or > 32 || !volumeId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"\"{volumeId}\" is not a volume id: 1-32 letters, digits or '_'",
                nameof(volumeId));
        return new(["xorriso", "-as", "mkisofs", "-quiet", "-output", Absolute(output), "-V", volumeId, "-J", "-r",
            .. files.Select(Absolute)],
            null, r => r.EnsureSuccess() is not null);
    }

    // An absolute path cannot be read as an option.
    private static string Absolute(string path) =>
        path.StartsWith('/') ? path : throw new ArgumentException($"\"{path}\" is not an absolute path", nameof(path));
}
